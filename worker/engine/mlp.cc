#include "worker/engine/mlp.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hpo::engine {

template <typename Scalar>
absl::StatusOr<Mlp<Scalar>> Mlp<Scalar>::Create(std::vector<int> widths, Activation activation,
                                                int max_batch) {
  if (widths.size() < 2) {
    return absl::InvalidArgumentError("an MLP needs at least an input and an output width");
  }
  for (size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("layer width ", i, " is ", widths[i], "; must be >= 1"));
    }
  }
  if (max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_batch is ", max_batch, "; must be >= 1"));
  }
  return Mlp(std::move(widths), activation, max_batch);
}

template <typename Scalar>
Mlp<Scalar>::Mlp(std::vector<int> widths, Activation activation, int max_batch)
    : widths_(std::move(widths)), activation_(activation), max_batch_(max_batch) {
  int64_t offset = 0;
  for (int l = 0; l < num_layers(); ++l) {
    weight_offsets_.push_back(offset);
    offset += static_cast<int64_t>(widths_[l]) * widths_[l + 1];
    bias_offsets_.push_back(offset);
    offset += widths_[l + 1];
  }
  parameters_ = Vector::Zero(offset);
  gradients_ = Vector::Zero(offset);
  for (int l = 0; l < num_layers(); ++l) {
    z_.emplace_back(widths_[l + 1], max_batch_);
    delta_.emplace_back(widths_[l + 1], max_batch_);
    if (l + 1 < num_layers()) a_.emplace_back(widths_[l + 1], max_batch_);
  }
}

template <typename Scalar>
typename Mlp<Scalar>::MatrixMap Mlp<Scalar>::weight(int layer) {
  return MatrixMap(parameters_.data() + weight_offsets_[layer], widths_[layer + 1], widths_[layer]);
}
template <typename Scalar>
typename Mlp<Scalar>::ConstMatrixMap Mlp<Scalar>::weight(int layer) const {
  return ConstMatrixMap(parameters_.data() + weight_offsets_[layer], widths_[layer + 1],
                        widths_[layer]);
}
template <typename Scalar>
typename Mlp<Scalar>::VectorMap Mlp<Scalar>::bias(int layer) {
  return VectorMap(parameters_.data() + bias_offsets_[layer], widths_[layer + 1]);
}
template <typename Scalar>
typename Mlp<Scalar>::ConstVectorMap Mlp<Scalar>::bias(int layer) const {
  return ConstVectorMap(parameters_.data() + bias_offsets_[layer], widths_[layer + 1]);
}

template <typename Scalar>
void Mlp<Scalar>::Initialize(Init init, Rng& rng) {
  for (int l = 0; l < num_layers(); ++l) {
    const double gain = l + 1 < num_layers() ? Gain(activation_) : 1.0;
    InitializeDense(init, gain, widths_[l], widths_[l + 1], parameters_.data() + weight_offsets_[l],
                    parameters_.data() + bias_offsets_[l], rng);
  }
}

template <typename Scalar>
absl::Status Mlp<Scalar>::set_dropout(double p) {
  if (!(p >= 0 && p < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("dropout is ", p, "; must be in [0, 1)"));
  }
  dropout_ = p;
  if (p > 0 && mask_.empty()) {
    for (int l = 0; l + 1 < num_layers(); ++l) {
      mask_.emplace_back(widths_[l + 1], max_batch_);
      dropped_.emplace_back(widths_[l + 1], max_batch_);
    }
  }
  return absl::OkStatus();
}

template <typename Scalar>
const Scalar* Mlp<Scalar>::LayerInput(int l) const {
  return dropped_out_ ? dropped_[l - 1].data() : a_[l - 1].data();
}

template <typename Scalar>
typename Mlp<Scalar>::ConstMatrixMap Mlp<Scalar>::Forward(const Eigen::Ref<const Matrix>& x) {
  return ForwardPass(x, nullptr);
}

template <typename Scalar>
typename Mlp<Scalar>::ConstMatrixMap Mlp<Scalar>::ForwardTrain(const Eigen::Ref<const Matrix>& x,
                                                               Rng& rng) {
  return ForwardPass(x, dropout_ > 0 ? &rng : nullptr);
}

template <typename Scalar>
typename Mlp<Scalar>::ConstMatrixMap Mlp<Scalar>::ForwardPass(const Eigen::Ref<const Matrix>& x,
                                                              Rng* rng) {
  // Preconditions (checked in debug builds): a wrong shape would write past
  // the preallocated buffers.
  eigen_assert(x.rows() == widths_[0] && x.cols() >= 1 && x.cols() <= max_batch_);
  batch_ = static_cast<int>(x.cols());
  dropped_out_ = rng != nullptr;
  const Scalar keep_scale = static_cast<Scalar>(1.0 / (1.0 - dropout_));
  for (int l = 0; l < num_layers(); ++l) {
    const int out = widths_[l + 1];
    MatrixMap z(z_[l].data(), out, batch_);
    // Starting from the bias and accumulating saves the product's zeroing
    // pass and a separate bias pass.
    z.colwise() = bias(l);
    if (l == 0) {
      z.noalias() += weight(0) * x;
    } else {
      z.noalias() += weight(l) * ConstMatrixMap(LayerInput(l), widths_[l], batch_);
    }
    if (l + 1 < num_layers()) {
      const int64_t count = static_cast<int64_t>(out) * batch_;
      ApplyActivation(activation_, z.data(), a_[l].data(), count);
      if (dropped_out_) {
        Scalar* mask = mask_[l].data();
        Scalar* dropped = dropped_[l].data();
        const Scalar* a = a_[l].data();
        for (int64_t i = 0; i < count; ++i) {
          mask[i] = rng->Uniform01() < dropout_ ? Scalar(0) : keep_scale;
          dropped[i] = a[i] * mask[i];
        }
      }
    }
  }
  return ConstMatrixMap(z_.back().data(), widths_.back(), batch_);
}

template <typename Scalar>
typename Mlp<Scalar>::MatrixMap Mlp<Scalar>::output_gradient() {
  return MatrixMap(delta_.back().data(), widths_.back(), batch_);
}

template <typename Scalar>
void Mlp<Scalar>::Backward(const Eigen::Ref<const Matrix>& x) {
  eigen_assert(x.rows() == widths_[0] && x.cols() == batch_);
  for (int l = num_layers() - 1; l >= 0; --l) {
    const int in = widths_[l];
    const int out = widths_[l + 1];
    const ConstMatrixMap delta(delta_[l].data(), out, batch_);
    MatrixMap weight_gradient(gradients_.data() + weight_offsets_[l], out, in);
    VectorMap bias_gradient(gradients_.data() + bias_offsets_[l], out);
    if (l == 0) {
      weight_gradient.noalias() = delta * x.transpose();
    } else {
      weight_gradient.noalias() = delta * ConstMatrixMap(LayerInput(l), in, batch_).transpose();
    }
    bias_gradient.noalias() = delta.rowwise().sum();
    if (l > 0) {
      // The input layer's gradient is never needed: skip its product.
      MatrixMap previous(delta_[l - 1].data(), in, batch_);
      previous.noalias() = weight(l).transpose() * delta;
      if (dropped_out_) previous.array() *= MatrixMap(mask_[l - 1].data(), in, batch_).array();
      ActivationBackward(activation_, z_[l - 1].data(), a_[l - 1].data(), previous.data(),
                         static_cast<int64_t>(in) * batch_);
    }
  }
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace hpo::engine
