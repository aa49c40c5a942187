// nn.MaxPool2d and nn.AvgPool2d over each channel: a kernel x kernel window
// moved by a stride (default: the kernel) over the input padded on every
// side (at most half the kernel, as torch). Max pooling pads with -inf and
// sends each output's gradient to the first maximum of its window (the
// one torch picks); average pooling pads with zeros and divides by the whole
// window (count_include_pad=True, torch's default).
#ifndef HPO_WORKER_ENGINE_LAYERS_POOL2D_H_
#define HPO_WORKER_ENGINE_LAYERS_POOL2D_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/layers/layer.h"

namespace hpo::engine {

struct Pool2dOptions {
  int kernel_size = 2;
  int stride = 0;  // 0: the kernel size
  int padding = 0;
};

enum class PoolKind { kMax, kAverage };

template <typename Scalar>
class Pool2d : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  static absl::StatusOr<std::unique_ptr<Pool2d>> Create(PoolKind kind, Shape input,
                                                        Pool2dOptions options);

  void Reserve(int max_batch) override;
  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) override;
  void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                Scalar* dx) override;

 private:
  Pool2d(PoolKind kind, Shape input, Shape output, Pool2dOptions options);
  // One example's max pooling; records the maxima's places unless `argmax`
  // is null.
  void MaxPool(const Scalar* image, Scalar* result, int32_t* argmax) const;

  PoolKind kind_;
  Pool2dOptions options_;
  // Max pooling: for each output of the last training Forward, the index of
  // its window's maximum in the example's input.
  std::vector<int32_t> argmax_;
};

extern template class Pool2d<float>;
extern template class Pool2d<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_POOL2D_H_
