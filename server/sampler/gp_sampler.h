// Gaussian-process Bayesian optimisation, as Optuna 4.9's GPSampler
// (../shared/reference/algorithms.md): after n_startup_trials random trials,
// a GP (GpModel) is fitted by MAP to the COMPLETE trials' standardised values
// and the next point maximises log expected improvement over the best
// (MaximizeLogEi). RUNNING trials join the model with the best value so far
// (Optuna's "best" constant liar), so parallel workers spread out.
//
// Startup trials are RandomSampler's, with the same seed. After that a
// trial's values depend only on (seed, trial number, the COMPLETE and RUNNING
// trials of `history`): each fit warm-starts from an earlier one chosen by
// the history alone (GpFitChain), and the model holds at most
// max_model_trials COMPLETE trials (and as many RUNNING ones), so that a
// suggestion's cost is bounded however long the study runs.
//
// Thread-compatible.
#ifndef HPO_SERVER_SAMPLER_GP_SAMPLER_H_
#define HPO_SERVER_SAMPLER_GP_SAMPLER_H_

#include <cstdint>

#include "server/sampler/gp_acquisition.h"
#include "server/sampler/gp_fit_chain.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/sampler.h"

namespace hpo::server {

struct GpOptions {
  int32_t n_startup_trials = 10;
  // The objective has no noise: the GP interpolates (noise at its minimum).
  bool deterministic_objective = false;
  // The most COMPLETE trials the model is fitted to (SelectGpData).
  int max_model_trials = 300;
  AcquisitionOptions acquisition;
};

// The options a (validated) SamplerSpec asks for, defaults where unset.
GpOptions GpOptionsFromSpec(const v1::SamplerSpec& spec);

class GpSampler : public Sampler {
 public:
  GpSampler(uint64_t seed, GpOptions options);

  absl::StatusOr<ParamMap> Sample(const v1::StudySpec& spec, absl::Span<const v1::Trial> history,
                                  int64_t trial_number) override;

 private:
  const uint64_t seed_;
  const GpOptions options_;
  RandomSampler random_;
  GpFitChain fits_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_GP_SAMPLER_H_
