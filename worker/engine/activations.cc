#include "worker/engine/activations.h"

#include <Eigen/Core>
#include <cmath>
#include <iterator>
#include <unsupported/Eigen/SpecialFunctions>

#include "common/task_settings.h"
#include "worker/engine/name_lookup.h"

namespace hpo::engine {
namespace {

template <typename Scalar>
using ArrayMap = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
template <typename Scalar>
using ConstArrayMap = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

constexpr Activation kActivationByName[] = {Activation::kRelu, Activation::kTanh,
                                            Activation::kSigmoid, Activation::kGelu};
static_assert(std::size(kActivationByName) == kActivationNames.size());

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

}  // namespace

absl::StatusOr<Activation> ParseActivation(std::string_view name) {
  return LookupName("activation", name, kActivationNames, kActivationByName);
}

std::string_view ActivationName(Activation activation) {
  return NameOf(activation, kActivationNames, kActivationByName);
}

template <typename Scalar>
void ApplyActivation(Activation activation, const Scalar* z, Scalar* out, int64_t n) {
  ConstArrayMap<Scalar> in(z, n);
  ArrayMap<Scalar> result(out, n);
  switch (activation) {
    case Activation::kRelu:
      // Written so that NaN passes through, as in PyTorch.
      for (int64_t i = 0; i < n; ++i) out[i] = z[i] < Scalar(0) ? Scalar(0) : z[i];
      return;
    case Activation::kTanh:
      result = in.tanh();
      return;
    case Activation::kSigmoid:
      result = in.logistic();
      return;
    case Activation::kGelu:
      result = Scalar(0.5) * in * (Scalar(1) + (in * Scalar(kInvSqrt2)).erf());
      return;
  }
}

template <typename Scalar>
void ActivationBackward(Activation activation, const Scalar* z, const Scalar* out, Scalar* delta,
                        int64_t n) {
  ConstArrayMap<Scalar> in(z, n);
  ConstArrayMap<Scalar> y(out, n);
  ArrayMap<Scalar> d(delta, n);
  switch (activation) {
    case Activation::kRelu:
      for (int64_t i = 0; i < n; ++i) delta[i] = z[i] > Scalar(0) ? delta[i] : Scalar(0);
      return;
    case Activation::kTanh:
      d *= Scalar(1) - y.square();
      return;
    case Activation::kSigmoid:
      d *= y * (Scalar(1) - y);
      return;
    case Activation::kGelu:
      // d/dz [z * Phi(z)] = Phi(z) + z * phi(z).
      d *= Scalar(0.5) * (Scalar(1) + (in * Scalar(kInvSqrt2)).erf()) +
           in * Scalar(kInvSqrt2Pi) * (Scalar(-0.5) * in.square()).exp();
      return;
  }
}

template void ApplyActivation<float>(Activation, const float*, float*, int64_t);
template void ApplyActivation<double>(Activation, const double*, double*, int64_t);
template void ActivationBackward<float>(Activation, const float*, const float*, float*, int64_t);
template void ActivationBackward<double>(Activation, const double*, const double*, double*,
                                         int64_t);

}  // namespace hpo::engine
