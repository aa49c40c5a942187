// The layers that act on each value alone and keep the shape: an activation
// (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU), nn.Dropout, and nn.Flatten (which
// only relabels an image as a vector: the values are already in its order).
#ifndef HPO_WORKER_ENGINE_LAYERS_ELEMENTWISE_H_
#define HPO_WORKER_ENGINE_LAYERS_ELEMENTWISE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "worker/engine/activations.h"
#include "worker/engine/layers/layer.h"

namespace hpo::engine {

template <typename Scalar>
class ActivationLayer : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  ActivationLayer(Shape shape, Activation activation)
      : Layer<Scalar>(shape, shape), activation_(activation) {}
  Activation activation() const { return activation_; }

  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) override;
  void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                Scalar* dx) override;

 private:
  Activation activation_;
};

// Inverted dropout in training passes: each value is zeroed with probability
// p (one Uniform01 draw per value, in storage order) and the others scaled
// by 1 / (1 - p); evaluation passes copy.
template <typename Scalar>
class Dropout : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Matrix;
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  // InvalidArgument unless 0 <= p < 1.
  static absl::StatusOr<std::unique_ptr<Dropout>> Create(Shape shape, double p);

  void Reserve(int max_batch) override;
  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) override;
  void Backward(const ConstMatrixMap& x, const ConstMatrixMap& y, const ConstMatrixMap& dy,
                Scalar* dx) override;

 private:
  Dropout(Shape shape, double p) : Layer<Scalar>(shape, shape), p_(p) {}

  double p_;
  Matrix mask_;          // 0 or 1 / (1 - p) per value of the last training pass
  bool masked_ = false;  // the last Forward was a training pass
};

template <typename Scalar>
class Flatten : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::MatrixMap;
  using typename Layer<Scalar>::ConstMatrixMap;

  explicit Flatten(Shape input)
      : Layer<Scalar>(input, Shape{static_cast<int>(input.size()), 1, 1}) {}

  void Forward(const ConstMatrixMap& x, MatrixMap y, Rng* /*rng*/) override { y = x; }
  void Backward(const ConstMatrixMap& /*x*/, const ConstMatrixMap& /*y*/, const ConstMatrixMap& dy,
                Scalar* dx) override {
    if (dx != nullptr) MatrixMap(dx, dy.rows(), dy.cols()) = dy;
  }
};

extern template class ActivationLayer<float>;
extern template class ActivationLayer<double>;
extern template class Dropout<float>;
extern template class Dropout<double>;

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_LAYERS_ELEMENTWISE_H_
