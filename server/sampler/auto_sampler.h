// The default sampler ("auto", after OptunaHub's AutoSampler): the best
// sampler our benchmarks support for the study at hand (README, "The study spec").
// - GP while the study has fewer than kAutoGpTrials COMPLETE trials: at 100
//   trials it is ahead of TPE on every function of the quality benchmark,
//   categorical spaces included, and at 400 still ahead of a
//   switch to TPE at 250 trials (OptunaHub's point); up to 1,000 trials a
//   suggestion stays under 70 ms (tpe_latency_bench --sampler gp);
// - TPE (multivariate) after that, where a suggestion costs about a
//   millisecond; and from the first trial for a study with a pruner, since
//   GP learns nothing from PRUNED trials and TPE ranks them by the step they
//   reached.
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
inline constexpr int kAutoGpTrials = 1000;

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
