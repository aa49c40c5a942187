// PED-ANOVA importance: the param that decides the value comes first, a
// param that does not comes near 0, shares sum to 1, and too few trials give
// zeros.
#include "server/analysis/ped_anova.h"

#include <cmath>
#include <random>

#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo::server {
namespace {

v1::StudySpec Spec(const std::string& direction) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(
      "name: s\ndirection: " + direction +
          "\nparams:\n"
          "  lr: {type: float, low: 1.0e-5, high: 1.0, log: true}\n"
          "  noise: {type: float, low: 0, high: 1}\n"
          "  act: {type: categorical, choices: [relu, tanh, gelu]}\n"
          "  layers: {type: int, low: 1, high: 8}\n",
      "s.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed->spec;
}

// n random trials whose value depends on lr strongly, on act a little, and
// not at all on noise or layers.
CompletedTrials Trials(int n, double sign, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  CompletedTrials trials;
  trials.params.resize(4);
  for (int i = 0; i < n; ++i) {
    const double log_lr = -5 + 5 * unit(rng);
    const double act = std::floor(3 * unit(rng));
    const double value = std::pow(log_lr + 2.5, 2) + 0.3 * act;
    trials.numbers.push_back(i);
    trials.values.push_back(sign * value);
    trials.params[0].push_back(std::pow(10.0, log_lr));
    trials.params[1].push_back(unit(rng));
    trials.params[2].push_back(act);
    trials.params[3].push_back(1 + std::floor(8 * unit(rng)));
  }
  return trials;
}

double ImportanceOf(const std::vector<ParamImportance>& result, const std::string& name) {
  for (const ParamImportance& entry : result) {
    if (entry.param == name) return entry.importance;
  }
  ADD_FAILURE() << "no " << name;
  return -1;
}

TEST(PedAnovaTest, RanksTheParamThatDecidesTheValueFirst) {
  for (const auto& [direction, sign] : {std::pair{"minimize", 1.0}, {"maximize", -1.0}}) {
    const std::vector<ParamImportance> result =
        PedAnovaImportances(Spec(direction), Trials(2000, sign, 7));
    ASSERT_EQ(result.size(), 4u);
    EXPECT_EQ(result[0].param, "lr") << direction;
    double sum = 0;
    for (const ParamImportance& entry : result) sum += entry.importance;
    EXPECT_NEAR(sum, 1.0, 1e-9);
    EXPECT_GT(ImportanceOf(result, "lr"), 0.8) << direction;
    EXPECT_GT(ImportanceOf(result, "act"), ImportanceOf(result, "noise")) << direction;
    EXPECT_LT(ImportanceOf(result, "noise"), 0.05) << direction;
    EXPECT_LT(ImportanceOf(result, "layers"), 0.05) << direction;
  }
}

TEST(PedAnovaTest, IsDeterministicAndZeroWithTooFewTrials) {
  const v1::StudySpec spec = Spec("minimize");
  const CompletedTrials trials = Trials(300, 1.0, 11);
  const std::vector<ParamImportance> a = PedAnovaImportances(spec, trials);
  const std::vector<ParamImportance> b = PedAnovaImportances(spec, trials);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].importance, b[i].importance);
  for (const ParamImportance& entry : PedAnovaImportances(spec, Trials(1, 1.0, 1))) {
    EXPECT_EQ(entry.importance, 0.0);
  }
  EXPECT_EQ(PedAnovaImportances(spec, CompletedTrials{}).size(), 4u);
}

TEST(PedAnovaTest, AParamMissingFromTrialsIsSkippedNotCounted) {
  const v1::StudySpec spec = Spec("minimize");
  CompletedTrials trials = Trials(400, 1.0, 5);
  for (double& x : trials.params[1]) x = std::nan("");
  EXPECT_EQ(ImportanceOf(PedAnovaImportances(spec, trials), "noise"), 0.0);
  EXPECT_EQ(PedAnovaImportances(spec, trials)[0].param, "lr");
}

}  // namespace
}  // namespace hpo::server
