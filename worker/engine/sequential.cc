#include "worker/engine/sequential.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "worker/engine/layers/batch_norm.h"
#include "worker/engine/layers/elementwise.h"

namespace hpo::engine {

template <typename Scalar>
absl::StatusOr<Sequential<Scalar>> Sequential<Scalar>::Create(
    std::vector<std::unique_ptr<Layer<Scalar>>> layers, int max_batch, ThreadPolicy threads) {
  if (layers.empty()) return absl::InvalidArgumentError("a model needs at least one layer");
  for (size_t i = 1; i < layers.size(); ++i) {
    if (!(layers[i]->input_shape() == layers[i - 1]->output_shape())) {
      return absl::InvalidArgumentError(
          absl::StrCat("layer ", i, " takes ", layers[i]->input_shape().ToString(), " but layer ",
                       i - 1, " gives ", layers[i - 1]->output_shape().ToString()));
    }
  }
  if (max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_batch is ", max_batch, "; must be >= 1"));
  }
  if (threads.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads is ", threads.threads, "; must be >= 1"));
  }
  return Sequential(std::move(layers), max_batch, threads);
}

template <typename Scalar>
Sequential<Scalar>::Sequential(std::vector<std::unique_ptr<Layer<Scalar>>> layers, int max_batch,
                               const ThreadPolicy& threads)
    : layers_(std::move(layers)), max_batch_(max_batch) {
  int64_t total = 0;
  for (const auto& layer : layers_) total += layer->num_parameters();
  parameters_ = Vector::Zero(total);
  gradients_ = Vector::Zero(total);
  int64_t offset = 0;
  for (const auto& layer : layers_) {
    layer->Bind(parameters_.data() + offset, gradients_.data() + offset);
    offset += layer->num_parameters();
    layer->set_threads(threads);
    layer->Reserve(max_batch_);
    outputs_.emplace_back(layer->output_shape().size(), max_batch_);
    output_gradients_.emplace_back(layer->output_shape().size(), max_batch_);
  }
}

template <typename Scalar>
void Sequential<Scalar>::Initialize(Init init, Rng& rng) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i]->num_parameters() == 0) continue;
    // The activation after the layer, past a batch norm in between.
    size_t j = i + 1;
    while (j < layers_.size() && dynamic_cast<const BatchNorm<Scalar>*>(layers_[j].get())) ++j;
    const auto* next = j < layers_.size()
                           ? dynamic_cast<const ActivationLayer<Scalar>*>(layers_[j].get())
                           : nullptr;
    layers_[i]->Initialize(init, next != nullptr ? Gain(next->activation()) : 1.0, rng);
  }
}

template <typename Scalar>
typename Sequential<Scalar>::ConstMatrixMap Sequential<Scalar>::Forward(
    const Eigen::Ref<const Matrix>& x) {
  return ForwardPass(x, nullptr);
}

template <typename Scalar>
typename Sequential<Scalar>::ConstMatrixMap Sequential<Scalar>::ForwardTrain(
    const Eigen::Ref<const Matrix>& x, Rng& rng) {
  return ForwardPass(x, &rng);
}

template <typename Scalar>
typename Sequential<Scalar>::ConstMatrixMap Sequential<Scalar>::Input(
    int layer, const Eigen::Ref<const Matrix>& x) const {
  if (layer == 0) return ConstMatrixMap(x.data(), x.rows(), x.cols());
  return ConstMatrixMap(outputs_[layer - 1].data(), outputs_[layer - 1].rows(), batch_);
}

template <typename Scalar>
typename Sequential<Scalar>::ConstMatrixMap Sequential<Scalar>::ForwardPass(
    const Eigen::Ref<const Matrix>& x, Rng* rng) {
  // Preconditions (checked in debug builds): a wrong shape would write past
  // the preallocated buffers.
  eigen_assert(x.rows() == input_shape().size() && x.cols() >= 1 && x.cols() <= max_batch_ &&
               x.outerStride() == x.rows());
  batch_ = static_cast<int>(x.cols());
  for (int l = 0; l < num_layers(); ++l) {
    layers_[l]->Forward(Input(l, x), MatrixMap(outputs_[l].data(), outputs_[l].rows(), batch_),
                        rng);
  }
  return ConstMatrixMap(outputs_.back().data(), outputs_.back().rows(), batch_);
}

template <typename Scalar>
typename Sequential<Scalar>::MatrixMap Sequential<Scalar>::output_gradient() {
  return MatrixMap(output_gradients_.back().data(), output_gradients_.back().rows(), batch_);
}

template <typename Scalar>
void Sequential<Scalar>::Backward(const Eigen::Ref<const Matrix>& x) {
  eigen_assert(x.rows() == input_shape().size() && x.cols() == batch_);
  gradients_.setZero();
  for (int l = num_layers() - 1; l >= 0; --l) {
    const Matrix& out = outputs_[l];
    const Matrix& out_gradient = output_gradients_[l];
    // The input's gradient is never needed: the first layer skips it.
    layers_[l]->Backward(Input(l, x), ConstMatrixMap(out.data(), out.rows(), batch_),
                         ConstMatrixMap(out_gradient.data(), out_gradient.rows(), batch_),
                         l > 0 ? output_gradients_[l - 1].data() : nullptr);
  }
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace hpo::engine
