// A multilayer perceptron: dense layers y = W x + b (W is out x in) with one
// activation after every hidden layer and none after the last. Examples are
// columns, a batch is a matrix.
//
// All weights and biases live in one contiguous parameter buffer and their
// gradients in a second buffer of the same layout, so that the optimiser
// updates everything in one pass. Layout, layer by layer: W (column-major),
// then b. Activations are preallocated for `max_batch` columns; Forward and
// Backward allocate nothing.
//
// An Mlp owns all its buffers. It is not thread-safe: Forward and Backward
// write its activation buffers. Scalar is float (training) or double
// (gradient checks).
#ifndef HPO_WORKER_ENGINE_MLP_H_
#define HPO_WORKER_ENGINE_MLP_H_

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/activations.h"
#include "worker/engine/init.h"
#include "worker/engine/random.h"

namespace hpo::engine {

template <typename Scalar>
class Mlp {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using MatrixMap = Eigen::Map<Matrix>;
  using ConstMatrixMap = Eigen::Map<const Matrix>;
  using VectorMap = Eigen::Map<Vector>;
  using ConstVectorMap = Eigen::Map<const Vector>;

  // `widths` is {inputs, hidden..., outputs} (at least two entries, all >= 1);
  // no hidden widths make a linear model. Parameters start at zero: call
  // Initialize. InvalidArgument on bad widths or max_batch < 1.
  static absl::StatusOr<Mlp> Create(std::vector<int> widths, Activation activation, int max_batch);

  int num_layers() const { return static_cast<int>(widths_.size()) - 1; }
  const std::vector<int>& widths() const { return widths_; }
  Activation activation() const { return activation_; }
  int max_batch() const { return max_batch_; }
  int64_t num_parameters() const { return parameters_.size(); }

  Vector& parameters() { return parameters_; }
  const Vector& parameters() const { return parameters_; }
  // Written by Backward (overwritten, not accumulated).
  const Vector& gradients() const { return gradients_; }
  // For in-place changes between Backward and the optimiser step (clipping).
  Vector& mutable_gradients() { return gradients_; }

  MatrixMap weight(int layer);
  ConstMatrixMap weight(int layer) const;
  VectorMap bias(int layer);
  ConstVectorMap bias(int layer) const;

  // Draws every layer's parameters, first layer first. Hidden layers use the
  // gain of the activation; the output layer, followed by none, uses 1.
  void Initialize(Init init, Rng& rng);

  // Inverted dropout after every hidden activation, in training passes only
  // (ForwardTrain): each unit is zeroed with probability p and the others
  // scaled by 1 / (1 - p), as nn.Dropout. InvalidArgument unless 0 <= p < 1.
  absl::Status set_dropout(double p);
  double dropout() const { return dropout_; }

  // Runs x (inputs x b, 1 <= b <= max_batch) through the network without
  // dropout (evaluation). The result (outputs x b) views an internal buffer,
  // valid until the next forward pass.
  ConstMatrixMap Forward(const Eigen::Ref<const Matrix>& x);
  // The same with dropout, its masks drawn from `rng` (one Uniform01 per
  // hidden unit and example, layer by layer); Backward then uses the masks.
  ConstMatrixMap ForwardTrain(const Eigen::Ref<const Matrix>& x, Rng& rng);

  // Where the caller writes d(loss)/d(outputs) for the batch of the last
  // Forward before calling Backward (contiguous, outputs x b).
  MatrixMap output_gradient();

  // Backpropagates output_gradient() through the batch of the last Forward;
  // `x` must be that batch's input. Fills gradients().
  void Backward(const Eigen::Ref<const Matrix>& x);

 private:
  Mlp(std::vector<int> widths, Activation activation, int max_batch);

  ConstMatrixMap ForwardPass(const Eigen::Ref<const Matrix>& x, Rng* rng);
  // The input of layer l >= 1 in the last forward pass: the hidden
  // activations of layer l - 1, after dropout when it was applied.
  const Scalar* LayerInput(int l) const;

  std::vector<int> widths_;
  Activation activation_;
  int max_batch_;
  std::vector<int64_t> weight_offsets_;  // into parameters_ and gradients_
  std::vector<int64_t> bias_offsets_;
  Vector parameters_;
  Vector gradients_;
  // Per layer, max_batch_ columns each: pre-activations z, activations
  // (hidden layers only) and d(loss)/dz.
  std::vector<Matrix> z_;
  std::vector<Matrix> a_;
  std::vector<Matrix> delta_;
  int batch_ = 0;  // columns of the last Forward
  double dropout_ = 0.0;
  bool dropped_out_ = false;  // the last forward pass applied dropout
  // Per hidden layer (allocated by set_dropout): the mask (0 or 1 / (1 - p))
  // and the activations times the mask.
  std::vector<Matrix> mask_;
  std::vector<Matrix> dropped_;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_MLP_H_
