// Elementwise activation functions of the MLP's hidden layers and their
// derivatives, for float (training) and double (gradient checks).
//
// Stateless free functions; thread-safe.
#ifndef HPO_WORKER_ENGINE_ACTIVATIONS_H_
#define HPO_WORKER_ENGINE_ACTIVATIONS_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace hpo::engine {

// GELU is the exact (erf) form, PyTorch's nn.GELU() default.
enum class Activation { kRelu, kTanh, kSigmoid, kGelu };

// Accepts the names in hpo::kActivationNames (common/task_settings.h);
// anything else is InvalidArgument.
absl::StatusOr<Activation> ParseActivation(std::string_view name);
std::string_view ActivationName(Activation activation);

// out[i] = f(z[i]) for i < n. `out` and `z` must not overlap: the backward
// pass needs both.
template <typename Scalar>
void ApplyActivation(Activation activation, const Scalar* z, Scalar* out, int64_t n);

// delta[i] *= f'(z[i]), where out[i] = f(z[i]) was computed by
// ApplyActivation (tanh and sigmoid derive from the output, cheaper than
// from z).
template <typename Scalar>
void ActivationBackward(Activation activation, const Scalar* z, const Scalar* out, Scalar* delta,
                        int64_t n);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_ACTIVATIONS_H_
