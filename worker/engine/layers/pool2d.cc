#include "worker/engine/layers/pool2d.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/status_macros.h"
#include "worker/engine/layers/output_size.h"

namespace hpo::engine {

template <typename Scalar>
absl::StatusOr<std::unique_ptr<Pool2d<Scalar>>> Pool2d<Scalar>::Create(PoolKind kind, Shape input,
                                                                       Pool2dOptions options) {
  if (options.stride == 0) options.stride = options.kernel_size;
  const int max_padding = options.kernel_size / 2;
  ASSIGN_OR_RETURN(const int height, OutputSize(input.height, options.kernel_size, options.stride,
                                                options.padding, max_padding));
  ASSIGN_OR_RETURN(const int width, OutputSize(input.width, options.kernel_size, options.stride,
                                               options.padding, max_padding));
  return std::unique_ptr<Pool2d>(
      new Pool2d(kind, input, Shape{input.channels, height, width}, options));
}

template <typename Scalar>
Pool2d<Scalar>::Pool2d(PoolKind kind, Shape input, Shape output, Pool2dOptions options)
    : Layer<Scalar>(input, output), kind_(kind), options_(options) {}

template <typename Scalar>
void Pool2d<Scalar>::Reserve(int max_batch) {
  if (kind_ == PoolKind::kMax) argmax_.resize(this->output_shape().size() * max_batch);
}

template <typename Scalar>
void Pool2d<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* /*rng*/) {
  const Shape& in = this->input_shape();
  const Shape& out = this->output_shape();
  const int k = options_.kernel_size, stride = options_.stride, pad = options_.padding;
  const Scalar window = static_cast<Scalar>(k * k);
  int32_t* argmax = argmax_.data();
  for (Eigen::Index b = 0; b < x.cols(); ++b) {
    const Scalar* image = x.col(b).data();
    Scalar* result = y.col(b).data();
    for (int c = 0; c < in.channels; ++c) {
      const int32_t plane = c * in.height * in.width;
      for (int oh = 0; oh < out.height; ++oh) {
        for (int ow = 0; ow < out.width; ++ow) {
          Scalar best = -std::numeric_limits<Scalar>::infinity();
          int32_t best_index = -1;
          Scalar sum = 0;
          for (int ki = 0; ki < k; ++ki) {
            const int ih = oh * stride - pad + ki;
            if (ih < 0 || ih >= in.height) continue;
            for (int kj = 0; kj < k; ++kj) {
              const int iw = ow * stride - pad + kj;
              if (iw < 0 || iw >= in.width) continue;
              const int32_t index = plane + ih * in.width + iw;
              const Scalar value = image[index];
              sum += value;
              // NaN wins, as in torch, so that it propagates.
              if (best_index < 0 || value > best || std::isnan(value)) {
                best = value;
                best_index = index;
              }
            }
          }
          if (kind_ == PoolKind::kMax) {
            *result++ = best;
            *argmax++ = best_index;
          } else {
            *result++ = sum / window;
          }
        }
      }
    }
  }
}

template <typename Scalar>
void Pool2d<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                              const ConstMatrixMap& dy, Scalar* dx) {
  if (dx == nullptr) return;
  const Shape& in = this->input_shape();
  const Shape& out = this->output_shape();
  const int k = options_.kernel_size, stride = options_.stride, pad = options_.padding;
  const Scalar window = static_cast<Scalar>(k * k);
  const int32_t* argmax = argmax_.data();
  for (Eigen::Index b = 0; b < x.cols(); ++b) {
    Scalar* image_gradient = dx + b * in.size();
    std::fill(image_gradient, image_gradient + in.size(), Scalar(0));
    const Scalar* gradient = dy.col(b).data();
    if (kind_ == PoolKind::kMax) {
      for (int64_t i = 0; i < out.size(); ++i) image_gradient[*argmax++] += gradient[i];
      continue;
    }
    for (int c = 0; c < in.channels; ++c) {
      Scalar* plane = image_gradient + static_cast<int64_t>(c) * in.height * in.width;
      for (int oh = 0; oh < out.height; ++oh) {
        for (int ow = 0; ow < out.width; ++ow) {
          const Scalar share = *gradient++ / window;
          for (int ki = 0; ki < k; ++ki) {
            const int ih = oh * stride - pad + ki;
            if (ih < 0 || ih >= in.height) continue;
            for (int kj = 0; kj < k; ++kj) {
              const int iw = ow * stride - pad + kj;
              if (iw >= 0 && iw < in.width) plane[ih * in.width + iw] += share;
            }
          }
        }
      }
    }
  }
}

template class Pool2d<float>;
template class Pool2d<double>;

}  // namespace hpo::engine
