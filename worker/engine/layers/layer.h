// One layer of a Sequential model, as a torch.nn module: its shapes, its
// parameters' place in the model's buffers, and its forward and backward
// passes over a batch.
//
// A batch is a matrix whose columns are the examples. An image is its
// channels x height x width values in row-major order, as a torch NCHW tensor
// flattens, so the first linear layer after a flatten sees the same order as
// PyTorch's.
//
// A layer's parameters and their gradients are slices of the model's two
// contiguous buffers (Bind); Backward adds to the gradients, which the model
// zeroes first. Buffers for a batch are allocated once by Reserve: Forward
// and Backward allocate nothing. A layer may spread one pass over threads()
// threads (worker/engine/parallel.h); its methods are not thread-safe.
// Scalar is float (training) or double (gradient checks).
#ifndef HPO_WORKER_ENGINE_LAYERS_LAYER_H_
#define HPO_WORKER_ENGINE_LAYERS_LAYER_H_

#include <Eigen/Core>
#include <cstdint>
#include <string>

#include "common/layer_shapes.h"
#include "worker/engine/init.h"
#include "worker/engine/parallel.h"
#include "worker/engine/random.h"

namespace hpo::engine {

using ::hpo::Shape;  // common/layer_shapes.h

template <typename Scalar>
class Layer {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using MatrixMap = Eigen::Map<Matrix>;
  using ConstMatrixMap = Eigen::Map<const Matrix>;

  Layer(Shape input, Shape output) : input_(input), output_(output) {}
  virtual ~Layer() = default;

  const Shape& input_shape() const { return input_; }
  const Shape& output_shape() const { return output_; }

  virtual int64_t num_parameters() const { return 0; }
  // Points the layer at its num_parameters() values in the model's buffers.
  void Bind(Scalar* parameters, Scalar* gradients) {
    parameters_ = parameters;
    gradients_ = gradients;
  }
  // Draws the parameters; `gain` is that of the activation after the layer.
  virtual void Initialize(Init /*init*/, double /*gain*/, Rng& /*rng*/) {}
  // How many threads a pass may use; set before Reserve.
  void set_threads(const ThreadPolicy& threads) { threads_ = threads; }
  const ThreadPolicy& threads() const { return threads_; }
  // Allocates what a batch of up to `max_batch` examples needs, on up to
  // threads() threads.
  virtual void Reserve(int /*max_batch*/) {}

  // y = layer(x) for x (input size x b) into y (output size x b). `rng` is
  // null in evaluation, else the source of a training pass's randomness.
  virtual void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) = 0;
  // For the last Forward's x and y and dy = d(loss)/dy, after a training
  // Forward (an evaluation pass keeps no record of its maxima or masks):
  // adds d(loss)/d(own
  // parameters) to the gradients and, unless `dx` is null (the first layer),
  // writes d(loss)/dx there (input size x b).
  virtual void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                        Scalar* dx) = 0;

 protected:
  Scalar* parameters() const { return parameters_; }
  Scalar* gradients() const { return gradients_; }

 private:
  Shape input_;
  Shape output_;
  Scalar* parameters_ = nullptr;
  Scalar* gradients_ = nullptr;
  ThreadPolicy threads_;
};

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_LAYER_H_
