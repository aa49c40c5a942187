#include "worker/engine/init.h"

#include <cmath>
#include <cstdint>
#include <iterator>

#include "common/task_settings.h"
#include "worker/engine/name_lookup.h"

namespace hpo::engine {
namespace {

constexpr Init kInitByName[] = {Init::kHeNormal,      Init::kHeUniform,    Init::kXavierNormal,
                                Init::kXavierUniform, Init::kTorchDefault, Init::kNormal};
static_assert(std::size(kInitByName) == kInitNames.size());

constexpr double kNormalInitStddev = 0.01;

}  // namespace

absl::StatusOr<Init> ParseInit(std::string_view name) {
  return LookupName("init", name, kInitNames, kInitByName);
}

std::string_view InitName(Init init) { return NameOf(init, kInitNames, kInitByName); }

double Gain(Activation activation) {
  switch (activation) {
    case Activation::kRelu:
      return std::sqrt(2.0);
    case Activation::kTanh:
      return 5.0 / 3.0;
    case Activation::kSigmoid:
    case Activation::kGelu:
      return 1.0;
  }
  return 1.0;
}

template <typename Scalar>
void InitializeWeights(Init init, double gain, Fans fans, int64_t num_weights, Scalar* weight,
                       int64_t num_biases, Scalar* bias, Rng& rng) {
  const double fan_in = static_cast<double>(fans.fan_in);
  const double fan_sum = static_cast<double>(fans.fan_in + fans.fan_out);
  auto fill_uniform = [&rng](Scalar* values, int64_t n, double bound) {
    for (int64_t i = 0; i < n; ++i) values[i] = static_cast<Scalar>(rng.Uniform(-bound, bound));
  };
  auto fill_normal = [&rng](Scalar* values, int64_t n, double stddev) {
    for (int64_t i = 0; i < n; ++i) values[i] = static_cast<Scalar>(rng.Normal(0.0, stddev));
  };
  for (int64_t i = 0; i < num_biases; ++i) bias[i] = Scalar(0);
  switch (init) {
    case Init::kHeNormal:
      fill_normal(weight, num_weights, gain / std::sqrt(fan_in));
      return;
    case Init::kHeUniform:
      fill_uniform(weight, num_weights, gain * std::sqrt(3.0 / fan_in));
      return;
    case Init::kXavierNormal:
      fill_normal(weight, num_weights, gain * std::sqrt(2.0 / fan_sum));
      return;
    case Init::kXavierUniform:
      fill_uniform(weight, num_weights, gain * std::sqrt(6.0 / fan_sum));
      return;
    case Init::kTorchDefault: {
      const double bound = 1.0 / std::sqrt(fan_in);
      fill_uniform(weight, num_weights, bound);
      fill_uniform(bias, num_biases, bound);
      return;
    }
    case Init::kNormal:
      fill_normal(weight, num_weights, kNormalInitStddev);
      return;
  }
}

template <typename Scalar>
void InitializeDense(Init init, double gain, int fan_in, int fan_out, Scalar* weight, Scalar* bias,
                     Rng& rng) {
  InitializeWeights(init, gain, {.fan_in = fan_in, .fan_out = fan_out},
                    static_cast<int64_t>(fan_in) * fan_out, weight, fan_out, bias, rng);
}

template void InitializeWeights<float>(Init, double, Fans, int64_t, float*, int64_t, float*, Rng&);
template void InitializeWeights<double>(Init, double, Fans, int64_t, double*, int64_t, double*,
                                        Rng&);
template void InitializeDense<float>(Init, double, int, int, float*, float*, Rng&);
template void InitializeDense<double>(Init, double, int, int, double*, double*, Rng&);

}  // namespace hpo::engine
