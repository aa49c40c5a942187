#include "worker/engine/layers/linear.h"

#include "common/status_macros.h"
#include "worker/engine/parallel.h"

namespace hpo::engine {

template <typename Scalar>
absl::StatusOr<std::unique_ptr<Linear<Scalar>>> Linear<Scalar>::Create(Shape input,
                                                                       int out_features) {
  RETURN_IF_ERROR(LinearOutputShape(input, out_features).status());
  return std::unique_ptr<Linear>(new Linear(input, out_features));
}

template <typename Scalar>
Linear<Scalar>::Linear(Shape input, int out_features)
    : Layer<Scalar>(input, Shape{out_features, 1, 1}) {}

template <typename Scalar>
int64_t Linear<Scalar>::num_parameters() const {
  return LinearParameters(in(), out());
}

template <typename Scalar>
void Linear<Scalar>::Initialize(Init init, double gain, Rng& rng) {
  InitializeWeights(init, gain, {.fan_in = in(), .fan_out = out()}, in() * out(),
                    this->parameters(), out(), this->parameters() + in() * out(), rng);
}

template <typename Scalar>
void Linear<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* /*rng*/) {
  const ConstMatrixMap weight(this->parameters(), out(), in());
  const Eigen::Map<const Vector> bias(this->parameters() + in() * out(), out());
  // Threads take the examples in ranges.
  ParallelFor(this->threads(), x.cols(), /*item_work=*/in() * out(),
              [&](int64_t begin, int64_t end, int /*part*/) {
                auto y_part = y.middleCols(begin, end - begin);
                // Starting from the bias and accumulating saves the product's zeroing pass.
                y_part.colwise() = bias;
                y_part.noalias() += weight * x.middleCols(begin, end - begin);
              });
}

template <typename Scalar>
void Linear<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                              const ConstMatrixMap& dy, Scalar* dx) {
  const ConstMatrixMap weight(this->parameters(), out(), in());
  MatrixMap weight_gradient(this->gradients(), out(), in());
  Eigen::Map<Vector> bias_gradient(this->gradients() + in() * out(), out());
  // Threads take the outputs in ranges for the parameters' gradients (so no
  // sums are split) and the examples in ranges for the input's.
  ParallelFor(this->threads(), out(), /*item_work=*/in() * dy.cols(),
              [&](int64_t begin, int64_t end, int /*part*/) {
                const auto dy_part = dy.middleRows(begin, end - begin);
                weight_gradient.middleRows(begin, end - begin).noalias() += dy_part * x.transpose();
                bias_gradient.segment(begin, end - begin) += dy_part.rowwise().sum();
              });
  if (dx == nullptr) return;
  MatrixMap input_gradient(dx, in(), dy.cols());
  ParallelFor(this->threads(), dy.cols(), /*item_work=*/in() * out(),
              [&](int64_t begin, int64_t end, int /*part*/) {
                input_gradient.middleCols(begin, end - begin).noalias() =
                    weight.transpose() * dy.middleCols(begin, end - begin);
              });
}

template class Linear<float>;
template class Linear<double>;

}  // namespace hpo::engine
