// A model made of layers applied in order, as nn.Sequential: convolutions,
// pools, linear layers, activations, dropout, flatten (worker/engine/layers/).
// Examples are columns, a batch is a matrix; see layers/layer.h for how an
// image is laid out.
//
// All parameters live in one contiguous buffer and their gradients in a
// second one of the same layout (each layer's in order, as torch's
// parameters() lists them), so the optimiser updates everything in one pass.
// The outputs and gradients of every layer are preallocated for `max_batch`
// columns: Forward and Backward allocate nothing.
//
// A pass may spread each layer's work over threads; the results
// are the same for the same thread count, and differ from one thread's only
// by float rounding (in sums split across threads). Not thread-safe.
// Scalar is float (training) or double (gradient checks).
#ifndef HPO_WORKER_ENGINE_SEQUENTIAL_H_
#define HPO_WORKER_ENGINE_SEQUENTIAL_H_

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/init.h"
#include "worker/engine/layers/layer.h"
#include "worker/engine/random.h"

namespace hpo::engine {

template <typename Scalar>
class Sequential {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using MatrixMap = Eigen::Map<Matrix>;
  using ConstMatrixMap = Eigen::Map<const Matrix>;

  // `layers` in order, each made for the output shape of the one before
  // (the first for the model's input). Parameters start at zero: call
  // Initialize. InvalidArgument on no layers, shapes that do not chain,
  // max_batch < 1 or threads.threads < 1.
  static absl::StatusOr<Sequential> Create(std::vector<std::unique_ptr<Layer<Scalar>>> layers,
                                           int max_batch, ThreadPolicy threads = {});

  const Shape& input_shape() const { return layers_.front()->input_shape(); }
  const Shape& output_shape() const { return layers_.back()->output_shape(); }
  int num_layers() const { return static_cast<int>(layers_.size()); }
  const Layer<Scalar>& layer(int i) const { return *layers_[i]; }
  int max_batch() const { return max_batch_; }
  int64_t num_parameters() const { return parameters_.size(); }

  Vector& parameters() { return parameters_; }
  const Vector& parameters() const { return parameters_; }
  // Written by Backward (overwritten, not accumulated).
  const Vector& gradients() const { return gradients_; }
  // For in-place changes between Backward and the optimiser step (clipping).
  Vector& mutable_gradients() { return gradients_; }

  // Draws every layer's parameters, first layer first, each with the gain of
  // the activation that follows it (1 when none does).
  void Initialize(Init init, Rng& rng);

  // Runs x (input size x b, 1 <= b <= max_batch) through the layers in
  // evaluation mode. The result (output size x b) views an internal buffer,
  // valid until the next forward pass.
  ConstMatrixMap Forward(const Eigen::Ref<const Matrix>& x);
  // The same in training mode: dropout draws its masks from `rng`.
  ConstMatrixMap ForwardTrain(const Eigen::Ref<const Matrix>& x, Rng& rng);

  // Where the caller writes d(loss)/d(outputs) for the batch of the last
  // forward pass before calling Backward (output size x b).
  MatrixMap output_gradient();
  // Backpropagates output_gradient() through the batch of the last forward
  // pass, a ForwardTrain; `x` must be that batch's input. Fills gradients().
  void Backward(const Eigen::Ref<const Matrix>& x);

 private:
  Sequential(std::vector<std::unique_ptr<Layer<Scalar>>> layers, int max_batch,
             const ThreadPolicy& threads);

  ConstMatrixMap ForwardPass(const Eigen::Ref<const Matrix>& x, Rng* rng);
  ConstMatrixMap Input(int layer, const Eigen::Ref<const Matrix>& x) const;

  std::vector<std::unique_ptr<Layer<Scalar>>> layers_;
  int max_batch_;
  Vector parameters_;
  Vector gradients_;
  // Per layer, max_batch_ columns each: its output and d(loss)/d(output).
  std::vector<Matrix> outputs_;
  std::vector<Matrix> output_gradients_;
  int batch_ = 0;  // columns of the last forward pass
};

extern template class Sequential<float>;
extern template class Sequential<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_SEQUENTIAL_H_
