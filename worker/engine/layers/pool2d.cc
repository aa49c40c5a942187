#include "worker/engine/layers/pool2d.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/status_macros.h"
#include "worker/engine/parallel.h"

namespace hpo::engine {
namespace {

// The index in `image` of the first value of rows [h0, h1) and columns
// [w0, w1) of the plane at `plane` that is `best` (or NaN, when `best` is).
template <typename Scalar>
int32_t FirstIndexOf(Scalar best, const Scalar* image, int32_t plane, int width, int h0, int h1,
                     int w0, int w1) {
  const bool nan = std::isnan(best);
  for (int ih = h0; ih < h1; ++ih) {
    const int32_t row = plane + ih * width;
    for (int iw = w0; iw < w1; ++iw) {
      if (image[row + iw] == best || (nan && std::isnan(image[row + iw]))) return row + iw;
    }
  }
  return plane + h0 * width + w0;
}

}  // namespace

template <typename Scalar>
absl::StatusOr<std::unique_ptr<Pool2d<Scalar>>> Pool2d<Scalar>::Create(PoolKind kind, Shape input,
                                                                       Pool2dOptions options) {
  if (options.stride == 0) options.stride = options.kernel_size;
  ASSIGN_OR_RETURN(const Shape output,
                   Pool2dOutputShape(input, options.kernel_size, options.stride, options.padding));
  return std::unique_ptr<Pool2d>(new Pool2d(kind, input, output, options));
}

template <typename Scalar>
Pool2d<Scalar>::Pool2d(PoolKind kind, Shape input, Shape output, Pool2dOptions options)
    : Layer<Scalar>(input, output), kind_(kind), options_(options) {}

template <typename Scalar>
void Pool2d<Scalar>::Reserve(int max_batch) {
  if (kind_ == PoolKind::kMax) argmax_.resize(this->output_shape().size() * max_batch);
}

template <typename Scalar>
void Pool2d<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) {
  const Shape& in = this->input_shape();
  const Shape& out = this->output_shape();
  const int k = options_.kernel_size, stride = options_.stride, pad = options_.padding;
  const Scalar window = static_cast<Scalar>(k * k);
  ParallelFor(this->threads(), x.cols(), [&](int64_t begin, int64_t end, int /*part*/) {
    for (int64_t b = begin; b < end; ++b) {
      const Scalar* image = x.col(b).data();
      Scalar* result = y.col(b).data();
      int32_t* argmax = argmax_.data() + b * out.size();
      for (int c = 0; c < in.channels; ++c) {
        const int32_t plane = c * in.height * in.width;
        for (int oh = 0; oh < out.height; ++oh) {
          // The window's rows and columns inside the input (all of them
          // without padding).
          const int h0 = std::max(0, oh * stride - pad),
                    h1 = std::min(in.height, oh * stride - pad + k);
          for (int ow = 0; ow < out.width; ++ow) {
            const int w0 = std::max(0, ow * stride - pad),
                      w1 = std::min(in.width, ow * stride - pad + k);
            if (kind_ == PoolKind::kMax) {
              // The maximum without branches (random data would mispredict
              // them half the time); a NaN wins, as in torch.
              Scalar best = -std::numeric_limits<Scalar>::infinity();
              bool nan = false;
              for (int ih = h0; ih < h1; ++ih) {
                const Scalar* row = image + plane + ih * in.width;
                for (int iw = w0; iw < w1; ++iw) {
                  best = row[iw] > best ? row[iw] : best;
                  nan |= std::isnan(row[iw]);
                }
              }
              if (nan) best = std::numeric_limits<Scalar>::quiet_NaN();
              *result++ = best;
              // Training: where the gradient goes, the first maximum as in torch.
              if (rng != nullptr)
                *argmax++ = FirstIndexOf(best, image, plane, in.width, h0, h1, w0, w1);
            } else {
              Scalar sum = 0;
              for (int ih = h0; ih < h1; ++ih) {
                const Scalar* row = image + plane + ih * in.width;
                for (int iw = w0; iw < w1; ++iw) sum += row[iw];
              }
              *result++ = sum / window;
            }
          }
        }
      }
    }
  });
}

template <typename Scalar>
void Pool2d<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                              const ConstMatrixMap& dy, Scalar* dx) {
  if (dx == nullptr) return;
  const Shape& in = this->input_shape();
  const Shape& out = this->output_shape();
  const int k = options_.kernel_size, stride = options_.stride, pad = options_.padding;
  const Scalar window = static_cast<Scalar>(k * k);
  ParallelFor(this->threads(), x.cols(), [&](int64_t begin, int64_t end, int /*part*/) {
    for (int64_t b = begin; b < end; ++b) {
      Scalar* image_gradient = dx + b * in.size();
      std::fill(image_gradient, image_gradient + in.size(), Scalar(0));
      const Scalar* gradient = dy.col(b).data();
      if (kind_ == PoolKind::kMax) {
        const int32_t* argmax = argmax_.data() + b * out.size();
        for (int64_t i = 0; i < out.size(); ++i) image_gradient[argmax[i]] += gradient[i];
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
  });
}

template class Pool2d<float>;
template class Pool2d<double>;

}  // namespace hpo::engine
