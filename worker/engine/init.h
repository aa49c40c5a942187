// Weight initialisers with torch.nn.init semantics (see
// /work/shared/reference/algorithms.md).
//
// Stateless free functions; thread-safe as long as each call has its own Rng.
#ifndef HPO_WORKER_ENGINE_INIT_H_
#define HPO_WORKER_ENGINE_INIT_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "worker/engine/activations.h"
#include "worker/engine/random.h"

namespace hpo::engine {

enum class Init { kHeNormal, kHeUniform, kXavierNormal, kXavierUniform, kTorchDefault, kNormal };

// Accepts the names in hpo::kInitNames (common/task_settings.h); anything
// else is InvalidArgument.
absl::StatusOr<Init> ParseInit(std::string_view name);
std::string_view InitName(Init init);

// torch.nn.init.calculate_gain for the activation that follows a layer:
// relu sqrt(2), tanh 5/3, sigmoid 1. GELU has no entry in PyTorch; it is
// treated as linear (1). A layer followed by no activation uses 1.
double Gain(Activation activation);

// Fills a dense layer's weight (fan_out x fan_in, column-major, fan_out *
// fan_in entries) and bias (fan_out entries), drawing the weight first in
// storage order. Biases are zero except for kTorchDefault, whose weight and
// bias are both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) like nn.Linear; `gain` is
// ignored there and by kNormal (N(0, 0.01^2)).
// fan_in and fan_out as torch.nn.init computes them: a linear layer's
// inputs and outputs; a convolution's in_channels (or out_channels) times
// its kernel's area.
struct Fans {
  int64_t fan_in = 1;
  int64_t fan_out = 1;
};
// Fills a layer's `num_weights` weights (in storage order) and `num_biases`
// biases by `init` as InitializeDense does for a dense layer.
template <typename Scalar>
void InitializeWeights(Init init, double gain, Fans fans, int64_t num_weights, Scalar* weight,
                       int64_t num_biases, Scalar* bias, Rng& rng);
template <typename Scalar>
void InitializeDense(Init init, double gain, int fan_in, int fan_out, Scalar* weight, Scalar* bias,
                     Rng& rng);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_INIT_H_
