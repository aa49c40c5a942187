#include "worker/engine/layers/pool2d.h"

#include <algorithm>
#include <cmath>

#include "common/status_macros.h"
#include "worker/engine/parallel.h"

namespace hpo::engine {
namespace {

struct Window {
  int kernel, stride, padding;
};

// The window of output (oh, ow) inside the input: rows [h0, h1), columns
// [w0, w1) (all of the kernel without padding).
struct Bounds {
  int h0, h1, w0, w1;
};
inline Bounds WindowBounds(const Window& w, const Shape& in, int oh, int ow) {
  return {std::max(0, oh * w.stride - w.padding),
          std::min(in.height, oh * w.stride - w.padding + w.kernel),
          std::max(0, ow * w.stride - w.padding),
          std::min(in.width, ow * w.stride - w.padding + w.kernel)};
}

// Whether value `v` takes the place of `best` as a window's maximum: the
// first maximum stays, and a NaN wins (the first one), as in torch. Without
// kNaNs (the example has none) a plain comparison, which vectorises. Bitwise
// operators, not short-circuit ones: a select, not a branch (random data
// would mispredict it half the time).
template <bool kNaNs, typename Scalar>
inline bool Takes(Scalar v, Scalar best) {
  if constexpr (kNaNs) return (v > best) | (std::isnan(v) & !std::isnan(best));
  return v > best;
}

// Max pooling of one example. With kRecord, also the index in `image` of
// each window's maximum, where the gradient goes. kNaNs: the example may
// hold NaNs. Arguments by value, so that stores to `argmax` cannot alias
// them.
template <bool kRecord, bool kNaNs, typename Scalar>
void MaxPoolExample(const Scalar* image, Shape in, Shape out, Window w, Scalar* result,
                    int32_t* argmax) {
  // Output columns [first, last) have their whole window inside the
  // input's columns: those run a window position at a time over the row,
  // which vectorises; the few at the edges run one output at a time.
  const int first = std::min(out.width, (w.padding + w.stride - 1) / w.stride);
  const int reach = in.width + w.padding - w.kernel;  // ow * stride <= reach
  const int last = reach < 0 ? first : std::max(first, std::min(out.width, reach / w.stride + 1));
  for (int c = 0; c < in.channels; ++c) {
    const int32_t plane = c * in.height * in.width;
    for (int oh = 0; oh < out.height; ++oh) {
      const int64_t row_start = (static_cast<int64_t>(c) * out.height + oh) * out.width;
      Scalar* best = result + row_start;
      int32_t* at = kRecord ? argmax + row_start : nullptr;
      const auto one_output = [&](int ow) {
        const Bounds b = WindowBounds(w, in, oh, ow);
        int32_t where = plane + b.h0 * in.width + b.w0;
        Scalar value = image[where];
        for (int ih = b.h0; ih < b.h1; ++ih) {
          for (int iw = b.w0; iw < b.w1; ++iw) {
            const int32_t index = plane + ih * in.width + iw;
            const bool take = Takes<kNaNs>(image[index], value);
            value = take ? image[index] : value;
            where = take ? index : where;
          }
        }
        best[ow] = value;
        if constexpr (kRecord) at[ow] = where;
      };
      for (int ow = 0; ow < first; ++ow) one_output(ow);
      for (int ow = last; ow < out.width; ++ow) one_output(ow);
      if (first == last) continue;
      // The window's positions in row-major order, as one_output visits them.
      const Bounds rows = WindowBounds(w, in, oh, first);
      if (w.kernel == 2 && w.stride == 2 && rows.h1 - rows.h0 == 2) {
        // The common case, a whole 2x2 window in one pass, which the
        // compiler vectorises with contiguous loads.
        const int32_t top = plane + rows.h0 * in.width - w.padding;
        const int32_t bottom = top + in.width;
        for (int ow = first; ow < last; ++ow) {
          Scalar value = image[top + 2 * ow];
          int32_t where = top + 2 * ow;
          for (const int32_t index : {top + 2 * ow + 1, bottom + 2 * ow, bottom + 2 * ow + 1}) {
            const bool take = Takes<kNaNs>(image[index], value);
            value = take ? image[index] : value;
            where = take ? index : where;
          }
          best[ow] = value;
          if constexpr (kRecord) at[ow] = where;
        }
        continue;
      }
      bool started = false;
      for (int ih = rows.h0; ih < rows.h1; ++ih) {
        for (int kj = 0; kj < w.kernel; ++kj) {
          const int32_t base = plane + ih * in.width + kj - w.padding;
          if (!started) {
            for (int ow = first; ow < last; ++ow) {
              best[ow] = image[base + ow * w.stride];
              if constexpr (kRecord) at[ow] = base + ow * w.stride;
            }
            started = true;
            continue;
          }
          for (int ow = first; ow < last; ++ow) {
            const int32_t index = base + ow * w.stride;
            const Scalar v = image[index];
            const bool take = Takes<kNaNs>(v, best[ow]);
            best[ow] = take ? v : best[ow];
            if constexpr (kRecord) at[ow] = take ? index : at[ow];
          }
        }
      }
    }
  }
}

// Average pooling of one example (padding counts as zeros, as torch's
// count_include_pad).
template <typename Scalar>
void AveragePoolExample(const Scalar* image, Shape in, Shape out, Window w, Scalar* result) {
  const Scalar window = static_cast<Scalar>(w.kernel * w.kernel);
  for (int c = 0; c < in.channels; ++c) {
    const Scalar* plane = image + static_cast<int64_t>(c) * in.height * in.width;
    for (int oh = 0; oh < out.height; ++oh) {
      for (int ow = 0; ow < out.width; ++ow) {
        const Bounds b = WindowBounds(w, in, oh, ow);
        Scalar sum = 0;
        for (int ih = b.h0; ih < b.h1; ++ih) {
          for (int iw = b.w0; iw < b.w1; ++iw) sum += plane[ih * in.width + iw];
        }
        *result++ = sum / window;
      }
    }
  }
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
  const Shape in = this->input_shape(), out = this->output_shape();
  const Window window{options_.kernel_size, options_.stride, options_.padding};
  ParallelFor(this->threads(), x.cols(), /*item_work=*/in.size(),
              [&](int64_t begin, int64_t end, int /*part*/) {
                for (int64_t b = begin; b < end; ++b) {
                  if (kind_ == PoolKind::kAverage) {
                    AveragePoolExample(x.col(b).data(), in, out, window, y.col(b).data());
                  } else {
                    MaxPool(x.col(b).data(), y.col(b).data(),
                            // Training: record where the gradients go.
                            rng != nullptr ? argmax_.data() + b * out.size() : nullptr);
                  }
                }
              });
}

template <typename Scalar>
void Pool2d<Scalar>::MaxPool(const Scalar* image, Scalar* result, int32_t* argmax) const {
  const Shape in = this->input_shape(), out = this->output_shape();
  const Window window{options_.kernel_size, options_.stride, options_.padding};
  // NaNs are rare: one vectorised look for them lets the pooling compare
  // plainly. x - x is 0 but for NaN and infinities, which take the careful
  // path too.
  const auto values = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(image, in.size());
  const bool nans = (values - values).sum() != 0;
  if (argmax != nullptr) {
    if (nans) return MaxPoolExample<true, true>(image, in, out, window, result, argmax);
    return MaxPoolExample<true, false>(image, in, out, window, result, argmax);
  }
  if (nans) return MaxPoolExample<false, true>(image, in, out, window, result, argmax);
  MaxPoolExample<false, false>(image, in, out, window, result, argmax);
}

template <typename Scalar>
void Pool2d<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                              const ConstMatrixMap& dy, Scalar* dx) {
  if (dx == nullptr) return;
  const Shape in = this->input_shape(), out = this->output_shape();
  const Window window{options_.kernel_size, options_.stride, options_.padding};
  const Scalar size = static_cast<Scalar>(window.kernel * window.kernel);
  ParallelFor(this->threads(), x.cols(), /*item_work=*/in.size(),
              [&](int64_t begin, int64_t end, int /*part*/) {
                for (int64_t b = begin; b < end; ++b) {
                  Scalar* image_gradient = dx + b * in.size();
                  std::fill(image_gradient, image_gradient + in.size(), Scalar(0));
                  const Scalar* gradient = dy.col(b).data();
                  if (kind_ == PoolKind::kMax) {
                    const int32_t* argmax = argmax_.data() + b * out.size();
                    for (int64_t i = 0; i < out.size(); ++i)
                      image_gradient[argmax[i]] += gradient[i];
                    continue;
                  }
                  for (int c = 0; c < in.channels; ++c) {
                    Scalar* plane = image_gradient + static_cast<int64_t>(c) * in.height * in.width;
                    for (int oh = 0; oh < out.height; ++oh) {
                      for (int ow = 0; ow < out.width; ++ow) {
                        const Scalar share = *gradient++ / size;
                        const Bounds bounds = WindowBounds(window, in, oh, ow);
                        for (int ih = bounds.h0; ih < bounds.h1; ++ih) {
                          for (int iw = bounds.w0; iw < bounds.w1; ++iw)
                            plane[ih * in.width + iw] += share;
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
