// Sequential models of layers: shapes through convolutions and pools,
// settings refused with the setting named, analytic gradients of every layer
// against central finite differences (double precision) on 1 to 3 threads,
// and threads changing results by rounding only.
#include "worker/engine/sequential.h"

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "worker/engine/layers/batch_norm.h"
#include "worker/engine/layers/conv2d.h"
#include "worker/engine/layers/elementwise.h"
#include "worker/engine/layers/linear.h"
#include "worker/engine/layers/pool2d.h"

namespace hpo::engine {
namespace {

using ::testing::HasSubstr;
template <typename Scalar>
using Layers = std::vector<std::unique_ptr<Layer<Scalar>>>;

// Appends a layer made for the output shape of the last one (or `input`).
template <typename Scalar>
class Builder {
 public:
  explicit Builder(Shape input) : shape_(input) {}

  Builder& Conv(int out_channels, int kernel, int stride = 1, int padding = 0) {
    return Add(Conv2d<Scalar>::Create(shape_, {.out_channels = out_channels,
                                               .kernel_size = kernel,
                                               .stride = stride,
                                               .padding = padding}));
  }
  Builder& Pool(PoolKind kind, int kernel, int stride = 0, int padding = 0) {
    return Add(Pool2d<Scalar>::Create(
        kind, shape_, {.kernel_size = kernel, .stride = stride, .padding = padding}));
  }
  Builder& Act(Activation activation) {
    return Add(std::make_unique<ActivationLayer<Scalar>>(shape_, activation));
  }
  Builder& Drop(double p) { return Add(Dropout<Scalar>::Create(shape_, p)); }
  Builder& Norm(bool spatial) {
    return Add(BatchNorm<Scalar>::Create(shape_, {.spatial = spatial}));
  }
  Builder& Flat() { return Add(std::make_unique<Flatten<Scalar>>(shape_)); }
  Builder& Dense(int out) { return Add(Linear<Scalar>::Create(shape_, out)); }

  // On `threads` threads, however small the work (as a big model would).
  Sequential<Scalar> Build(int max_batch, int threads = 1) {
    absl::StatusOr<Sequential<Scalar>> model = Sequential<Scalar>::Create(
        std::move(layers_), max_batch, {.threads = threads, .min_work_per_thread = 1});
    EXPECT_OK(model);
    return *std::move(model);
  }

 private:
  template <typename L>
  Builder& Add(absl::StatusOr<std::unique_ptr<L>> layer) {
    EXPECT_OK(layer);
    if (layer.ok()) return Add(*std::move(layer));
    return *this;
  }
  template <typename L>
  Builder& Add(std::unique_ptr<L> layer) {
    shape_ = layer->output_shape();
    layers_.push_back(std::move(layer));
    return *this;
  }

  Shape shape_;
  Layers<Scalar> layers_;
};

TEST(SequentialTest, ShapesFollowTorchsArithmetic) {
  Sequential<float> model = Builder<float>({1, 28, 28})
                                .Conv(32, 3, 1, 1)
                                .Act(Activation::kRelu)
                                .Pool(PoolKind::kMax, 2)
                                .Conv(64, 3, 1, 1)
                                .Act(Activation::kRelu)
                                .Pool(PoolKind::kMax, 2)
                                .Flat()
                                .Dense(128)
                                .Act(Activation::kRelu)
                                .Dense(10)
                                .Build(4);
  EXPECT_EQ(model.layer(2).output_shape(), (Shape{32, 14, 14}));
  EXPECT_EQ(model.layer(5).output_shape(), (Shape{64, 7, 7}));
  EXPECT_EQ(model.layer(6).output_shape(), (Shape{64 * 7 * 7, 1, 1}));
  EXPECT_EQ(model.output_shape(), (Shape{10, 1, 1}));
  // torch: 320 + 18,496 + 401,536 + 1,290
  EXPECT_EQ(model.num_parameters(), 320 + 18496 + 401536 + 1290);
  // Strided, padded, uneven: floor((7 + 2 - 3) / 2) + 1 = 4, floor((5 + 2 - 3) / 2) + 1 = 3.
  absl::StatusOr<std::unique_ptr<Conv2d<float>>> conv = Conv2d<float>::Create(
      {3, 7, 5}, {.out_channels = 2, .kernel_size = 3, .stride = 2, .padding = 1});
  ASSERT_OK(conv);
  EXPECT_EQ((*conv)->output_shape(), (Shape{2, 4, 3}));
  absl::StatusOr<std::unique_ptr<Pool2d<float>>> pool = Pool2d<float>::Create(
      PoolKind::kAverage, {3, 7, 5}, {.kernel_size = 3, .stride = 2, .padding = 1});
  ASSERT_OK(pool);
  EXPECT_EQ((*pool)->output_shape(), (Shape{3, 4, 3}));
}

// Max pooling picks each window's first maximum in row-major order, a NaN
// beating everything (the first NaN), and sends the gradient there, as
// torch does; checked against a plain scan of every window, for examples
// with ties only and with NaNs and infinities, with and without padding.
TEST(SequentialTest, MaxPoolTakesTheFirstMaximumAndNaNsWin) {
  const Shape in{2, 6, 7};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Eigen::MatrixXf x(in.size(), 2);
  Rng rng(9);
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.UniformInt(3));
  for (int64_t i : {3, 17, 18, 40, 60}) x(i, 1) = nan;
  x(25, 1) = inf;
  x(50, 1) = -inf;
  struct Case {
    int kernel, stride, padding;
  };
  for (const Case c : {Case{2, 2, 0}, Case{2, 2, 1}, Case{3, 1, 1}, Case{3, 2, 1}, Case{3, 3, 0}}) {
    SCOPED_TRACE(::testing::Message()
                 << "kernel " << c.kernel << " stride " << c.stride << " padding " << c.padding);
    absl::StatusOr<std::unique_ptr<Pool2d<float>>> pool = Pool2d<float>::Create(
        PoolKind::kMax, in, {.kernel_size = c.kernel, .stride = c.stride, .padding = c.padding});
    ASSERT_OK(pool);
    const Shape out = (*pool)->output_shape();
    (*pool)->Reserve(2);
    Eigen::MatrixXf y(out.size(), 2);
    Rng unused(0);  // a training pass
    (*pool)->Forward({x.data(), x.rows(), 2}, {y.data(), y.rows(), 2}, &unused);
    // Output o's gradient is 1 + o: dx shows where each went.
    Eigen::MatrixXf dy(out.size(), 2);
    for (int64_t i = 0; i < dy.size(); ++i) dy.data()[i] = static_cast<float>(1 + i % out.size());
    Eigen::MatrixXf dx(in.size(), 2);
    (*pool)->Backward({x.data(), x.rows(), 2}, {y.data(), y.rows(), 2}, {dy.data(), dy.rows(), 2},
                      dx.data());
    Eigen::MatrixXf expected_dx = Eigen::MatrixXf::Zero(in.size(), 2);
    for (int b = 0; b < 2; ++b) {
      for (int ch = 0; ch < out.channels; ++ch) {
        for (int oh = 0; oh < out.height; ++oh) {
          for (int ow = 0; ow < out.width; ++ow) {
            int64_t where = -1;
            for (int ki = 0; ki < c.kernel; ++ki) {
              for (int kj = 0; kj < c.kernel; ++kj) {
                const int ih = oh * c.stride - c.padding + ki, iw = ow * c.stride - c.padding + kj;
                if (ih < 0 || ih >= in.height || iw < 0 || iw >= in.width) continue;
                const int64_t i = (static_cast<int64_t>(ch) * in.height + ih) * in.width + iw;
                const bool nan_here = std::isnan(x(i, b)),
                           nan_there = where >= 0 && std::isnan(x(where, b));
                if (where < 0 || (nan_here && !nan_there) ||
                    (!nan_there && x(i, b) > x(where, b))) {
                  where = i;
                }
              }
            }
            const int64_t o = (static_cast<int64_t>(ch) * out.height + oh) * out.width + ow;
            if (std::isnan(x(where, b))) {
              EXPECT_TRUE(std::isnan(y(o, b))) << "example " << b << " output " << o;
            } else {
              EXPECT_EQ(y(o, b), x(where, b)) << "example " << b << " output " << o;
            }
            expected_dx(where, b) += static_cast<float>(1 + o);
          }
        }
      }
    }
    EXPECT_EQ(dx, expected_dx);
  }
}

TEST(SequentialTest, BadSettingsAreRefusedNamingTheSetting) {
  const Shape image{1, 5, 5};
  EXPECT_THAT(Conv2d<float>::Create(image, {.out_channels = 0}).status().message(),
              HasSubstr("out_channels"));
  EXPECT_THAT(
      Conv2d<float>::Create(image, {.out_channels = 2, .kernel_size = 7}).status().message(),
      HasSubstr("larger than the input"));
  EXPECT_THAT(Conv2d<float>::Create(image, {.out_channels = 2, .stride = 0}).status().message(),
              HasSubstr("stride"));
  EXPECT_THAT(Pool2d<float>::Create(PoolKind::kMax, image, {.kernel_size = 2, .padding = 2})
                  .status()
                  .message(),
              HasSubstr("padding is 2; must be in [0, 1]"));
  EXPECT_THAT(Linear<float>::Create(image, 0).status().message(), HasSubstr("out_features"));
  EXPECT_THAT(Dropout<float>::Create(image, 1.0).status().message(), HasSubstr("[0, 1)"));

  Layers<float> unchained;
  unchained.push_back(std::make_unique<Flatten<float>>(image));
  unchained.push_back(*Linear<float>::Create({24, 1, 1}, 3));
  EXPECT_THAT(Sequential<float>::Create(std::move(unchained), 4).status().message(),
              HasSubstr("layer 1 takes [24, 1, 1] but layer 0 gives [25, 1, 1]"));
  EXPECT_FALSE(Sequential<float>::Create({}, 4).ok());
  Layers<float> one;
  one.push_back(*Linear<float>::Create({24, 1, 1}, 3));
  EXPECT_THAT(Sequential<float>::Create(std::move(one), 4, {.threads = 0}).status().message(),
              HasSubstr("threads is 0"));
}

// sum(out .* weights): its gradient with respect to the output is `weights`.
// Every pass draws the same dropout masks (a fresh Rng of one seed).
double Loss(Sequential<double>& model, const Eigen::MatrixXd& x, const Eigen::MatrixXd& weights,
            bool backward) {
  Rng masks(7);
  const auto out = model.ForwardTrain(x, masks);
  if (backward) {
    model.output_gradient() = weights;
    model.Backward(x);
  }
  return out.cwiseProduct(weights).sum();
}

void CheckGradients(Sequential<double> model, int batch) {
  Rng rng(42);
  model.Initialize(Init::kTorchDefault, rng);
  Eigen::MatrixXd x(model.input_shape().size(), batch);
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = rng.Normal(0.0, 1.0);
  Eigen::MatrixXd weights(model.output_shape().size(), batch);
  for (int64_t i = 0; i < weights.size(); ++i) weights.data()[i] = rng.Normal(0.0, 1.0);
  Loss(model, x, weights, /*backward=*/true);
  const Eigen::VectorXd analytic = model.gradients();
  ASSERT_GT(analytic.cwiseAbs().maxCoeff(), 1e-3);
  // Backward overwrites: a second pass gives the same gradients.
  Loss(model, x, weights, /*backward=*/true);
  EXPECT_EQ(model.gradients(), analytic);
  const double h = 1e-6;
  for (int64_t i = 0; i < model.num_parameters(); ++i) {
    const double saved = model.parameters()(i);
    model.parameters()(i) = saved + h;
    const double plus = Loss(model, x, weights, false);
    model.parameters()(i) = saved - h;
    const double minus = Loss(model, x, weights, false);
    model.parameters()(i) = saved;
    const double numeric = (plus - minus) / (2 * h);
    EXPECT_NEAR(analytic(i), numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
        << "parameter " << i << " of " << model.num_parameters();
  }
}

// The gradient checks run on 1, 2 and 3 threads: a batch of 2 to 4 examples
// is split among them (3 threads on 2 examples: one thread sits out).
class SequentialGradientTest : public ::testing::TestWithParam<int> {
 protected:
  int threads() const { return GetParam(); }
};

TEST_P(SequentialGradientTest, ConvolutionMaxPoolAndLinearMatchFiniteDifferences) {
  CheckGradients(Builder<double>({2, 6, 6})
                     .Conv(3, 3, 1, 1)
                     .Act(Activation::kTanh)
                     .Pool(PoolKind::kMax, 2)
                     .Conv(2, 2)
                     .Act(Activation::kGelu)
                     .Flat()
                     .Dense(4)
                     .Build(3, threads()),
                 3);
}

TEST_P(SequentialGradientTest, StridedPaddedConvolutionAveragePoolAndDropoutMatch) {
  CheckGradients(Builder<double>({3, 7, 5})
                     .Conv(4, 3, 2, 1)
                     .Act(Activation::kSigmoid)
                     .Pool(PoolKind::kAverage, 3, 2, 1)
                     .Drop(0.3)
                     .Flat()
                     .Dense(5)
                     .Act(Activation::kTanh)
                     .Dense(2)
                     .Build(2, threads()),
                 2);
}

TEST_P(SequentialGradientTest, PaddedMaxPoolAndKernelsWiderThanTheirStrideMatch) {
  CheckGradients(Builder<double>({1, 8, 8})
                     .Conv(2, 5, 3, 2)
                     .Pool(PoolKind::kMax, 3, 1, 1)
                     .Flat()
                     .Dense(3)
                     .Build(2, threads()),
                 2);
}

// A batch norm's weight and bias, and what it passes back to the layers
// before it (their gradients go through its dx).
TEST_P(SequentialGradientTest, BatchNormMatchesFiniteDifferences) {
  CheckGradients(Builder<double>({2, 5, 5})
                     .Conv(3, 3, 1, 1)
                     .Norm(/*spatial=*/true)
                     .Act(Activation::kTanh)
                     .Pool(PoolKind::kMax, 2)
                     .Flat()
                     .Dense(4)
                     .Norm(/*spatial=*/false)
                     .Act(Activation::kGelu)
                     .Dense(3)
                     .Build(4, threads()),
                 4);
}

INSTANTIATE_TEST_SUITE_P(Threads, SequentialGradientTest, ::testing::Values(1, 2, 3),
                         ::testing::PrintToStringParamName());

// A float CNN of every layer kind on `threads` threads.
Sequential<float> EveryLayerCnn(int threads) {
  return Builder<float>({2, 10, 10})
      .Conv(6, 3, 1, 1)
      .Norm(/*spatial=*/true)
      .Act(Activation::kRelu)
      .Pool(PoolKind::kMax, 2)
      .Conv(8, 3, 2, 1)
      .Act(Activation::kGelu)
      .Pool(PoolKind::kAverage, 2, 1)
      .Drop(0.2)
      .Flat()
      .Dense(12)
      .Act(Activation::kTanh)
      .Dense(4)
      .Build(/*max_batch=*/9, threads);
}

struct Pass {
  Eigen::MatrixXf eval_output;
  Eigen::MatrixXf train_output;
  Eigen::VectorXf gradients;
};

// One evaluation pass and one training pass with its backward pass, over a
// batch of 9 (or `batch`) random examples.
Pass RunPass(Sequential<float> model, int batch = 9) {
  Rng rng(11);
  model.Initialize(Init::kHeNormal, rng);
  Eigen::MatrixXf x(model.input_shape().size(), batch);
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.Normal(0.0, 1.0));
  Pass pass;
  pass.eval_output = model.Forward(x);
  Rng masks(3);
  pass.train_output = model.ForwardTrain(x, masks);
  for (int64_t i = 0; i < model.output_gradient().size(); ++i) {
    model.output_gradient().data()[i] = static_cast<float>(rng.Normal(0.0, 1.0));
  }
  model.Backward(x);
  pass.gradients = model.gradients();
  return pass;
}

// Threads split sums (a convolution's weight gradient over the examples),
// so results may differ from one thread's by float rounding, no more; and a
// given thread count gives the same bits every time.
TEST(SequentialTest, ThreadsChangeResultsOnlyByRounding) {
  const Pass one = RunPass(EveryLayerCnn(1));
  ASSERT_GT(one.gradients.cwiseAbs().maxCoeff(), 1e-3);
  for (int threads : {2, 3, 16}) {
    SCOPED_TRACE(::testing::Message() << threads << " threads");
    const Pass many = RunPass(EveryLayerCnn(threads));
    EXPECT_TRUE(many.eval_output.isApprox(one.eval_output, 1e-5f));
    EXPECT_TRUE(many.train_output.isApprox(one.train_output, 1e-5f));
    EXPECT_TRUE(many.gradients.isApprox(one.gradients, 1e-5f))
        << (many.gradients - one.gradients).cwiseAbs().maxCoeff();
    const Pass again = RunPass(EveryLayerCnn(threads));
    EXPECT_EQ(again.gradients, many.gradients);
    EXPECT_EQ(again.train_output, many.train_output);
  }
  // A batch of one on two threads: one takes the example, both the rows of
  // a linear layer's gradients.
  EXPECT_TRUE(RunPass(EveryLayerCnn(2), 1)
                  .gradients.isApprox(RunPass(EveryLayerCnn(1), 1).gradients, 1e-5f));
}

}  // namespace
}  // namespace hpo::engine
