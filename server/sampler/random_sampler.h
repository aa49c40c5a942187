// Independent uniform sampling, reproducible per trial.
#ifndef HPO_SERVER_SAMPLER_RANDOM_SAMPLER_H_
#define HPO_SERVER_SAMPLER_RANDOM_SAMPLER_H_

#include <cstdint>

#include "server/sampler/sampler.h"

namespace hpo::server {

// Draws every parameter independently and uniformly: floats in [low, high]
// (log: uniform in log space; step: uniform over the grid), ints uniform over
// low + k * step (log: uniform in log space over [low - 0.5, high + 0.5],
// rounded, as Optuna does), categorical values uniform over the choices.
//
// A value depends only on (seed, trial number, parameter name), never on the
// history, the order in which trials are asked for, or the other parameters,
// and the generator is fully specified by the C++ standard (mt19937_64 and
// our own conversions): the same trial gets the same parameters on every
// platform and after a coordinator restart. Thread-safe (no mutable state).
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(uint64_t seed) : seed_(seed) {}

  absl::StatusOr<ParamMap> Sample(const v1::StudySpec& spec, absl::Span<const v1::Trial> history,
                                  int64_t trial_number) override;

 private:
  uint64_t seed_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_RANDOM_SAMPLER_H_
