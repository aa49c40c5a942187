#include "worker/engine/adamw.h"

#include <cmath>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/task_settings.h"

namespace hpo::engine {
namespace {

// Scalars shared by every parameter of one step, in the step's precision.
template <typename Scalar>
struct StepScalars {
  Scalar sign;   // -1 when maximising
  Scalar decay;  // 1 - lr * weight_decay
  Scalar one_minus_beta1;
  Scalar beta2;
  Scalar one_minus_beta2;
  Scalar sqrt_bc2;   // sqrt(1 - beta2^t)
  Scalar step_size;  // lr / (1 - beta1^t)
  Scalar eps;
};

// The fused update. Amsgrad is a template parameter so that the loop has no
// branch and the compiler vectorises both variants.
template <bool kAmsgrad, typename Scalar>
void FusedStep(const StepScalars<Scalar>& s, int64_t n, Scalar* __restrict theta,
               const Scalar* __restrict grad, Scalar* __restrict m, Scalar* __restrict v,
               Scalar* __restrict v_max) {
  for (int64_t i = 0; i < n; ++i) {
    const Scalar g = s.sign * grad[i];
    const Scalar decayed = theta[i] * s.decay;
    const Scalar m_i = m[i] + s.one_minus_beta1 * (g - m[i]);
    const Scalar v_i = s.beta2 * v[i] + s.one_minus_beta2 * g * g;
    m[i] = m_i;
    v[i] = v_i;
    Scalar second = v_i;
    if constexpr (kAmsgrad) {
      second = v_max[i] < v_i ? v_i : v_max[i];
      v_max[i] = second;
    }
    const Scalar denom = std::sqrt(second) / s.sqrt_bc2 + s.eps;
    theta[i] = decayed - s.step_size * m_i / denom;
  }
}

}  // namespace

absl::Status ValidateAdamWOptions(const AdamWOptions& options) {
  RETURN_IF_ERROR(CheckTaskSetting("lr", options.lr));
  RETURN_IF_ERROR(CheckTaskSetting("beta1", options.beta1));
  RETURN_IF_ERROR(CheckTaskSetting("beta2", options.beta2));
  RETURN_IF_ERROR(CheckTaskSetting("eps", options.eps));
  return CheckTaskSetting("weight_decay", options.weight_decay);
}

template <typename Scalar>
AdamWState<Scalar>::AdamWState(int64_t num_parameters, bool amsgrad)
    : num_parameters_(num_parameters),
      amsgrad_(amsgrad),
      moments_(Vector::Zero((amsgrad ? 3 : 2) * num_parameters)) {}

template <typename Scalar>
void AdamW::Step(double lr, Scalar* parameters, const Scalar* gradients,
                 AdamWState<Scalar>& state) const {
  state.step_ += 1;
  const double t = static_cast<double>(state.step_);
  // Bias corrections in double whatever Scalar is, as PyTorch does.
  const double bc1 = 1.0 - std::pow(options_.beta1, t);
  const double bc2 = 1.0 - std::pow(options_.beta2, t);
  StepScalars<Scalar> s;
  s.sign = options_.maximize ? Scalar(-1) : Scalar(1);
  s.decay = static_cast<Scalar>(1.0 - lr * options_.weight_decay);
  s.one_minus_beta1 = static_cast<Scalar>(1.0 - options_.beta1);
  s.beta2 = static_cast<Scalar>(options_.beta2);
  s.one_minus_beta2 = static_cast<Scalar>(1.0 - options_.beta2);
  s.sqrt_bc2 = static_cast<Scalar>(std::sqrt(bc2));
  s.step_size = static_cast<Scalar>(lr / bc1);
  s.eps = static_cast<Scalar>(options_.eps);
  const int64_t n = state.num_parameters_;
  Scalar* m = state.moments_.data();
  Scalar* v = m + n;
  if (state.amsgrad_) {
    FusedStep<true, Scalar>(s, n, parameters, gradients, m, v, v + n);
  } else {
    FusedStep<false, Scalar>(s, n, parameters, gradients, m, v, nullptr);
  }
}

template class AdamWState<float>;
template class AdamWState<double>;
template void AdamW::Step<float>(double, float*, const float*, AdamWState<float>&) const;
template void AdamW::Step<double>(double, double*, const double*, AdamWState<double>&) const;

}  // namespace hpo::engine
