#include "worker/engine/layers/elementwise.h"

#include <algorithm>

#include "common/status_macros.h"
#include "worker/engine/parallel.h"

namespace hpo::engine {

template <typename Scalar>
void ActivationLayer<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* /*rng*/) {
  ParallelFor(this->threads(), x.size(), /*item_work=*/1,
              [&](int64_t begin, int64_t end, int /*part*/) {
                ApplyActivation(activation_, x.data() + begin, y.data() + begin, end - begin);
              });
}

template <typename Scalar>
void ActivationLayer<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& y,
                                       const ConstMatrixMap& dy, Scalar* dx) {
  if (dx == nullptr) return;
  ParallelFor(this->threads(), dy.size(), /*item_work=*/1,
              [&](int64_t begin, int64_t end, int /*part*/) {
                std::copy(dy.data() + begin, dy.data() + end, dx + begin);
                ActivationBackward(activation_, x.data() + begin, y.data() + begin, dx + begin,
                                   end - begin);
              });
}

template <typename Scalar>
absl::StatusOr<std::unique_ptr<Dropout<Scalar>>> Dropout<Scalar>::Create(Shape shape, double p) {
  RETURN_IF_ERROR(CheckDropoutProbability(p));
  return std::unique_ptr<Dropout>(new Dropout(shape, p));
}

template <typename Scalar>
void Dropout<Scalar>::Reserve(int max_batch) {
  mask_.resize(this->input_shape().size(), max_batch);
}

template <typename Scalar>
void Dropout<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) {
  masked_ = rng != nullptr && p_ > 0;
  if (!masked_) {
    y = x;
    return;
  }
  const Scalar keep_scale = static_cast<Scalar>(1.0 / (1.0 - p_));
  Scalar* mask = mask_.data();
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    mask[i] = rng->Uniform01() < p_ ? Scalar(0) : keep_scale;
    y.data()[i] = x.data()[i] * mask[i];
  }
}

template <typename Scalar>
void Dropout<Scalar>::Backward(const ConstMatrixMap& /*x*/, const ConstMatrixMap& /*y*/,
                               const ConstMatrixMap& dy, Scalar* dx) {
  if (dx == nullptr) return;
  MatrixMap gradient(dx, dy.rows(), dy.cols());
  if (!masked_) {
    gradient = dy;
    return;
  }
  gradient = dy.cwiseProduct(MatrixMap(mask_.data(), dy.rows(), dy.cols()));
}

template class ActivationLayer<float>;
template class ActivationLayer<double>;
template class Dropout<float>;
template class Dropout<double>;

}  // namespace hpo::engine
