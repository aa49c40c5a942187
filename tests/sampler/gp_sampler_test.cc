#include "server/sampler/gp_sampler.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "server/sampler/gp_space.h"
#include "server/sampler/random_sampler.h"
#include "tests/sampler/sampler_test_util.h"

namespace hpo::server {
namespace {

v1::StudySpec Branin() {
  v1::StudySpec spec = OneFloat(-5, 10);
  v1::ParamSpec* y = spec.add_params();
  y->set_name("y");
  y->mutable_float_distribution()->set_low(0);
  y->mutable_float_distribution()->set_high(15);
  return spec;
}

double BraninValue(const ParamMap& p) {
  const double x1 = p.at("x").float_value(), x2 = p.at("y").float_value();
  const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

double Best(const std::vector<v1::Trial>& trials) {
  double best = INFINITY;
  for (const v1::Trial& t : trials) best = std::min(best, t.value());
  return best;
}

TEST(GpSpaceTest, EncodesAndDecodesEveryKindOnItsGrid) {
  const v1::StudySpec spec = MixedSpec();
  absl::StatusOr<GpSpace> space = GpSpace::Make(spec);
  ASSERT_OK(space);
  RandomSampler random(3);
  std::vector<double> point(space->dims());
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<ParamMap> params = random.Sample(spec, {}, i);
    ASSERT_OK(params);
    ASSERT_TRUE(space->Encode(*params, point.data()));
    for (int d = 0; d < space->dims(); ++d) {
      if (!space->categorical()[d]) {
        EXPECT_GE(point[d], 0);
        EXPECT_LE(point[d], 1);
      }
      EXPECT_NEAR(space->Snap(d, point[d]), point[d], 1e-9) << "a value is on its grid";
    }
    const ParamMap back = space->Decode(point.data());
    for (const v1::ParamSpec& p : spec.params()) {
      const v1::ParamValue& a = params->at(p.name());
      const v1::ParamValue& b = back.at(p.name());
      if (a.has_float_value()) {
        EXPECT_NEAR(a.float_value(), b.float_value(), 1e-9 * std::abs(a.float_value()));
      } else {
        EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString()) << p.name();
      }
    }
  }
  // Any point decodes to valid values.
  for (double u : {0.0, 0.013, 0.5, 0.999, 1.0}) {
    std::vector<double> anywhere(space->dims(), u);
    for (int d = 0; d < space->dims(); ++d) {
      if (space->categorical()[d]) anywhere[d] = u * (space->levels(d) - 1);
    }
    const ParamMap params = space->Decode(anywhere.data());
    for (const v1::ParamSpec& p : spec.params()) EXPECT_OK(CheckParamValue(p, params.at(p.name())));
  }
}

TEST(GpSamplerTest, StartupTrialsAreTheRandomSamplersDraws) {
  GpSampler sampler(42, GpOptions{});
  ExpectStartupIsRandom(sampler, 42, 10);
}

TEST(GpSamplerTest, ValidDeterministicSuggestionsOnAMixedSpace) {
  const v1::StudySpec spec = MixedSpec();
  GpSampler gp(7, GpOptions{});
  std::vector<v1::Trial> history = RunStudy(gp, spec, 30, MixedObjective);  // checks validity
  GpSampler fresh(7, GpOptions{});
  absl::StatusOr<ParamMap> a = gp.Sample(spec, history, 30);
  absl::StatusOr<ParamMap> b = fresh.Sample(spec, history, 30);
  ASSERT_OK(a);
  ASSERT_OK(b);
  ExpectSameParams(spec, *a, *b);
}

TEST(GpSamplerTest, AParameterWithOneValueLeavesTheModelUsable) {
  v1::StudySpec spec = Branin();
  v1::ParamSpec* fixed = spec.add_params();
  fixed->set_name("fixed");
  fixed->mutable_float_distribution()->set_low(2);
  fixed->mutable_float_distribution()->set_high(2);
  GpSampler gp(4, GpOptions{});
  RandomSampler random(4);
  // Past the startup trials the GP's suggestions differ from random ones.
  const std::vector<v1::Trial> trials = RunStudy(gp, spec, 12, BraninValue);
  absl::StatusOr<ParamMap> random_draw = random.Sample(spec, {}, 11);
  ASSERT_OK(random_draw);
  EXPECT_NE(trials[11].params().at("x").float_value(), random_draw->at("x").float_value());
  EXPECT_EQ(trials[11].params().at("fixed").float_value(), 2);
}

TEST(GpSamplerTest, BeatsRandomSearchOnASmoothFunction) {
  const v1::StudySpec spec = Branin();
  for (uint64_t seed : {1, 2, 3}) {
    GpSampler gp(seed, GpOptions{});
    RandomSampler random(seed);
    const double gp_best = Best(RunStudy(gp, spec, 30, BraninValue));
    const double random_best = Best(RunStudy(random, spec, 30, BraninValue));
    EXPECT_LT(gp_best, random_best) << "seed " << seed;
    EXPECT_LT(gp_best, 0.5) << "seed " << seed;  // the minimum is 0.397887
  }
}

TEST(GpSamplerTest, ARunningTrialIsNotSuggestedAgain) {
  const v1::StudySpec spec = Branin();
  GpSampler gp(5, GpOptions{});
  std::vector<v1::Trial> history = RunStudy(gp, spec, 20, BraninValue);
  absl::StatusOr<ParamMap> first = gp.Sample(spec, history, 20);
  ASSERT_OK(first);
  v1::Trial running = Finished(20, *first, 0);
  running.set_state(v1::Trial::RUNNING);
  running.clear_value();
  history.push_back(running);
  absl::StatusOr<ParamMap> second = gp.Sample(spec, history, 21);
  ASSERT_OK(second);
  const double distance = std::hypot(first->at("x").float_value() - second->at("x").float_value(),
                                     first->at("y").float_value() - second->at("y").float_value());
  EXPECT_GT(distance, 1e-3);
}

}  // namespace
}  // namespace hpo::server
