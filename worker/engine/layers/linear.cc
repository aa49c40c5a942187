#include "worker/engine/layers/linear.h"

#include "common/status_macros.h"

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
  // Starting from the bias and accumulating saves the product's zeroing pass.
  y.colwise() = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(
      this->parameters() + in() * out(), out());
  y.noalias() += weight * x;
}

template <typename Scalar>
void Linear<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                              const ConstMatrixMap& dy, Scalar* dx) {
  const ConstMatrixMap weight(this->parameters(), out(), in());
  MatrixMap weight_gradient(this->gradients(), out(), in());
  weight_gradient.noalias() += dy * x.transpose();
  Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(this->gradients() + in() * out(), out()) +=
      dy.rowwise().sum();
  if (dx != nullptr) MatrixMap(dx, in(), dy.cols()).noalias() = weight.transpose() * dy;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace hpo::engine
