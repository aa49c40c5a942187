// nn.BatchNorm1d and nn.BatchNorm2d: each channel normalised to mean 0 and
// variance 1, then scaled and shifted by its own weight and bias.
//
// 1d reads a flat input ([features, 1, 1], a channel per feature); 2d an
// image, a channel's statistics taken over the batch and its height and
// width. Training passes normalise with the batch's statistics (biased
// variance) and move the running mean and variance towards them by
// `momentum` (the variance unbiased, as torch); evaluation passes use the
// running statistics. Running statistics start at mean 0, variance 1; they
// are buffers, not parameters: AdamW never sees them.
//
// Parameters: weight (one per channel, initialised to 1), then bias (0),
// whatever the model's initialiser, as torch.
#ifndef HPO_WORKER_ENGINE_LAYERS_BATCH_NORM_H_
#define HPO_WORKER_ENGINE_LAYERS_BATCH_NORM_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/layers/layer.h"

namespace hpo::engine {

struct BatchNormOptions {
  bool spatial = false;  // 2d: per channel over height x width; 1d: per feature
  double eps = kBatchNormDefaultEps;
  double momentum = kBatchNormDefaultMomentum;
};

template <typename Scalar>
class BatchNorm : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  // InvalidArgument unless CheckBatchNorm (common/layer_shapes.h) allows it.
  static absl::StatusOr<std::unique_ptr<BatchNorm>> Create(Shape input, BatchNormOptions options);

  int64_t num_parameters() const override { return BatchNormParameters(channels()); }
  void Initialize(Init init, double gain, Rng& rng) override;
  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) override;
  void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                Scalar* dx) override;

  const std::vector<double>& running_mean() const { return running_mean_; }
  const std::vector<double>& running_var() const { return running_var_; }

 private:
  BatchNorm(Shape input, BatchNormOptions options);
  int channels() const { return this->input_shape().channels; }
  // Values of one channel in one example.
  int64_t plane() const {
    return static_cast<int64_t>(this->input_shape().height) * this->input_shape().width;
  }

  BatchNormOptions options_;
  std::vector<double> running_mean_;
  std::vector<double> running_var_;
  // Of the last training pass, per channel: the batch mean and 1 / std.
  std::vector<double> mean_;
  std::vector<double> inv_std_;
};

extern template class BatchNorm<float>;
extern template class BatchNorm<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_BATCH_NORM_H_
