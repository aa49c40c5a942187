// The default sampler ("auto", after OptunaHub's AutoSampler): the best
// sampler our benchmarks support for the study at hand (README, "Samplers").
// - GP while the study has fewer than kAutoGpTrials COMPLETE trials: at 100
//   trials it is ahead of both TPE modes on every function of the quality
//   benchmark, categorical spaces included;
// - TPE (multivariate) after that, where GP's model holds only a subset of
//   the trials and TPE's cheaper suggestions keep up with it; and from the
//   first trial for a study with a pruner, since GP learns nothing from
//   PRUNED trials and TPE ranks them by the step they reached.
// Both share the study's seed; like them, a trial's parameters depend only on
// (seed, trial number, history). Thread-compatible.
#ifndef HPO_SERVER_SAMPLER_AUTO_SAMPLER_H_
#define HPO_SERVER_SAMPLER_AUTO_SAMPLER_H_

#include <cstdint>

#include "server/sampler/gp_sampler.h"
#include "server/sampler/sampler.h"
#include "server/sampler/tpe_sampler.h"

namespace hpo::server {

// COMPLETE trials after which "auto" moves from GP to TPE.
inline constexpr int kAutoGpTrials = 250;

class AutoSampler : public Sampler {
 public:
  explicit AutoSampler(uint64_t seed);

  absl::StatusOr<ParamMap> Sample(const v1::StudySpec& spec, absl::Span<const v1::Trial> history,
                                  int64_t trial_number) override;

 private:
  GpSampler gp_;
  TpeSampler tpe_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_AUTO_SAMPLER_H_
