#include "server/sampler/auto_sampler.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/sampler/gp_sampler.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/tpe_sampler.h"
#include "tests/sampler/sampler_test_util.h"

namespace hpo::server {
namespace {

// `n` random trials of MixedSpec(), told MixedObjective, plus one RUNNING.
std::vector<v1::Trial> RandomHistory(const v1::StudySpec& spec, int n) {
  RandomSampler random(11);
  std::vector<v1::Trial> history;
  for (int i = 0; i <= n; ++i) {
    absl::StatusOr<ParamMap> params = random.Sample(spec, {}, i);
    EXPECT_OK(params);
    history.push_back(Finished(i, *params, MixedObjective(*params)));
  }
  history.back().set_state(v1::Trial::RUNNING);
  history.back().clear_value();
  return history;
}

// Auto's suggestion for trial `history.size()` is exactly `expected`'s.
void ExpectSuggestsAs(Sampler& expected, const v1::StudySpec& spec,
                      const std::vector<v1::Trial>& history, const std::string& context) {
  AutoSampler sampler(5);
  const int64_t number = static_cast<int64_t>(history.size());
  absl::StatusOr<ParamMap> a = sampler.Sample(spec, history, number);
  absl::StatusOr<ParamMap> b = expected.Sample(spec, history, number);
  ASSERT_OK(a);
  ASSERT_OK(b);
  ExpectSameParams(spec, *a, *b, context);
}

TEST(AutoSamplerTest, StartsAsRandom) {
  AutoSampler sampler(5);
  ExpectStartupIsRandom(sampler, 5, 10);
}

TEST(AutoSamplerTest, GpWhileTheStudyIsSmall) {
  const v1::StudySpec spec = MixedSpec();
  GpSampler gp(5, GpOptions());
  ExpectSuggestsAs(gp, spec, RandomHistory(spec, 40), " at 40 complete trials");
  GpSampler gp_late(5, GpOptions());
  ExpectSuggestsAs(gp_late, spec, RandomHistory(spec, kAutoGpTrials - 1), " just below the switch");
}

TEST(AutoSamplerTest, MultivariateTpeOnceTheStudyIsLarge) {
  const v1::StudySpec spec = MixedSpec();
  TpeOptions multivariate;
  multivariate.multivariate = true;
  TpeSampler tpe(5, multivariate);
  ExpectSuggestsAs(tpe, spec, RandomHistory(spec, kAutoGpTrials), " at the switch");
}

TEST(AutoSamplerTest, MultivariateTpeWithAPruner) {
  v1::StudySpec spec = MixedSpec();
  spec.mutable_pruner()->set_type("asha");
  TpeOptions multivariate;
  multivariate.multivariate = true;
  TpeSampler tpe(5, multivariate);
  ExpectSuggestsAs(tpe, spec, RandomHistory(spec, 40), " with asha");
}

}  // namespace
}  // namespace hpo::server
