#include "worker/engine/layers/batch_norm.h"

#include <algorithm>
#include <cmath>

#include "common/status_macros.h"

namespace hpo::engine {

template <typename Scalar>
absl::StatusOr<std::unique_ptr<BatchNorm<Scalar>>> BatchNorm<Scalar>::Create(
    Shape input, BatchNormOptions options) {
  RETURN_IF_ERROR(CheckBatchNorm(input, options.spatial, options.eps, options.momentum));
  return std::unique_ptr<BatchNorm>(new BatchNorm(input, options));
}

template <typename Scalar>
BatchNorm<Scalar>::BatchNorm(Shape input, BatchNormOptions options)
    : Layer<Scalar>(input, input),
      options_(options),
      running_mean_(input.channels, 0.0),
      running_var_(input.channels, 1.0),
      mean_(input.channels, 0.0),
      inv_std_(input.channels, 1.0) {}

template <typename Scalar>
void BatchNorm<Scalar>::Initialize(Init /*init*/, double /*gain*/, Rng& /*rng*/) {
  Scalar* weight = this->parameters();
  Scalar* bias = weight + channels();
  for (int c = 0; c < channels(); ++c) {
    weight[c] = Scalar(1);
    bias[c] = Scalar(0);
  }
  std::fill(running_mean_.begin(), running_mean_.end(), 0.0);
  std::fill(running_var_.begin(), running_var_.end(), 1.0);
}

template <typename Scalar>
void BatchNorm<Scalar>::Forward(const ConstMatrixMap& x, MatrixMap y, Rng* rng) {
  const Scalar* weight = this->parameters();
  const Scalar* bias = weight + channels();
  const int64_t s = plane();
  const int64_t count = s * x.cols();  // values per channel in the batch
  for (int c = 0; c < channels(); ++c) {
    const auto xc = x.middleRows(c * s, s);
    double mean = running_mean_[c];
    double var = running_var_[c];
    if (rng != nullptr) {  // training: the batch's statistics, in double
      mean = xc.template cast<double>().sum() / count;
      var = (xc.template cast<double>().array() - mean).square().sum() / count;
      const double m = options_.momentum;
      // A batch of one value has no unbiased variance; torch refuses it,
      // we keep the biased one (0).
      const double unbiased = count > 1 ? var * count / (count - 1) : var;
      running_mean_[c] = (1 - m) * running_mean_[c] + m * mean;
      running_var_[c] = (1 - m) * running_var_[c] + m * unbiased;
    }
    const double inv_std = 1.0 / std::sqrt(var + options_.eps);
    mean_[c] = mean;
    inv_std_[c] = inv_std;
    const Scalar scale = static_cast<Scalar>(weight[c] * inv_std);
    const Scalar shift = static_cast<Scalar>(bias[c] - weight[c] * inv_std * mean);
    y.middleRows(c * s, s) = (xc.array() * scale + shift).matrix();
  }
}

template <typename Scalar>
void BatchNorm<Scalar>::Backward(const ConstMatrixMap& x, const ConstMatrixMap& /*y*/,
                                 const ConstMatrixMap& dy, Scalar* dx) {
  const Scalar* weight = this->parameters();
  Scalar* dweight = this->gradients();
  Scalar* dbias = dweight + channels();
  const int64_t s = plane();
  const double count = static_cast<double>(s * x.cols());
  for (int c = 0; c < channels(); ++c) {
    const auto xc = x.middleRows(c * s, s).template cast<double>().array();
    const auto dyc = dy.middleRows(c * s, s).template cast<double>().array();
    const double mean = mean_[c];
    const double inv_std = inv_std_[c];
    // xhat = (x - mean) * inv_std
    const double sum_dy = dyc.sum();
    const double sum_dy_xhat = (dyc * (xc - mean)).sum() * inv_std;
    dweight[c] += static_cast<Scalar>(sum_dy_xhat);
    dbias[c] += static_cast<Scalar>(sum_dy);
    if (dx == nullptr) continue;
    // dx = weight * inv_std / n * (n dy - sum(dy) - xhat sum(dy xhat))
    const double k = weight[c] * inv_std / count;
    MatrixMap(dx, x.rows(), x.cols()).middleRows(c * s, s) =
        (k * (count * dyc - sum_dy - (xc - mean) * inv_std * sum_dy_xhat))
            .template cast<Scalar>()
            .matrix();
  }
}

template class BatchNorm<float>;
template class BatchNorm<double>;

}  // namespace hpo::engine
