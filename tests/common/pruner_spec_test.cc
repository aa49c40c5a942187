#include "common/pruner_spec.h"

#include "absl/strings/str_cat.h"

#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

v1::StudySpec Parse(const std::string& yaml) {
  auto parsed = ParseStudySpecYaml(yaml, "p.yaml");
  EXPECT_OK(parsed);
  return parsed.ok() ? parsed->spec : v1::StudySpec();
}

absl::Status Check(const std::string& pruner_yaml, bool with_task = true) {
  v1::StudySpec spec = Parse(absl::StrCat(
      "name: s\n", pruner_yaml, "\n",
      with_task ? "task: {dataset: {name: synthetic-regression}, epochs: 9}\n" : ""));
  ApplyPrunerDefaults(&spec);
  return ValidatePrunerSpec(spec);
}

TEST(PrunerSpecTest, ParsesEverySetting) {
  v1::StudySpec spec = Parse(R"yaml(
name: s
pruner: {type: median, n_startup_trials: 3, n_warmup_steps: 2, interval_steps: 4, n_min_trials: 5}
)yaml");
  EXPECT_EQ(spec.pruner().type(), "median");
  EXPECT_EQ(spec.pruner().n_startup_trials(), 3);
  EXPECT_EQ(spec.pruner().n_warmup_steps(), 2);
  EXPECT_EQ(spec.pruner().interval_steps(), 4);
  EXPECT_EQ(spec.pruner().n_min_trials(), 5);
  EXPECT_THAT(ParseStudySpecYaml("name: s\npruner: {type: asha, min_resource: x}\n", "p.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("p.yaml:2: pruner.min_resource")));
  EXPECT_THAT(ParseStudySpecYaml("name: s\npruner: {type: asha, eta: 3}\n", "p.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pruner.eta: unknown field")));
}

TEST(PrunerSpecTest, DefaultsAreOptunas) {
  v1::StudySpec spec = Parse("name: s\npruner: {type: median}\n");
  ApplyPrunerDefaults(&spec);
  EXPECT_EQ(spec.pruner().n_startup_trials(), 5);
  EXPECT_EQ(spec.pruner().n_warmup_steps(), 0);
  EXPECT_EQ(spec.pruner().interval_steps(), 1);
  EXPECT_EQ(spec.pruner().n_min_trials(), 1);

  spec = Parse("name: s\npruner: {type: asha}\n");
  ApplyPrunerDefaults(&spec);
  EXPECT_EQ(spec.pruner().min_resource(), 1);
  EXPECT_EQ(spec.pruner().reduction_factor(), 4);
  EXPECT_EQ(spec.pruner().min_early_stopping_rate(), 0);
  EXPECT_FALSE(spec.pruner().has_n_startup_trials());
  EXPECT_FALSE(spec.pruner().has_max_resource());  // no task: no last step known

  spec = Parse("name: s\npruner: {type: asha}\ntask: {epochs: 9}\n");
  ApplyPrunerDefaults(&spec);
  EXPECT_EQ(spec.pruner().max_resource(), 9);

  spec = Parse("name: s\npruner: {type: hyperband}\ntask: {epochs: 27}\n");
  ApplyPrunerDefaults(&spec);
  EXPECT_EQ(spec.pruner().reduction_factor(), 3);
  EXPECT_EQ(spec.pruner().max_resource(), 27);

  spec = Parse("name: s\n");
  ApplyPrunerDefaults(&spec);
  EXPECT_EQ(spec.pruner().type(), "none");
}

TEST(PrunerSpecTest, RulesNameTheField) {
  EXPECT_OK(Check("pruner: {type: none}"));
  EXPECT_OK(Check("pruner: {type: median, n_warmup_steps: 1}"));
  EXPECT_OK(Check("pruner: {type: asha, reduction_factor: 3}"));
  EXPECT_OK(Check("pruner: {type: hyperband}"));
  EXPECT_THAT(Check("pruner: {type: asha, reduction_factor: 1}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "pruner.reduction_factor: must be >= 2 (got 1)"));
  EXPECT_THAT(Check("pruner: {type: median, interval_steps: 0}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pruner.interval_steps")));
  EXPECT_THAT(Check("pruner: {type: asha, n_warmup_steps: 2}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "pruner.n_warmup_steps: not a setting of the \"asha\" pruner"));
  EXPECT_THAT(Check("pruner: {type: none, min_resource: 2}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pruner.min_resource")));
  EXPECT_THAT(Check("pruner: {type: hyperband}", /*with_task=*/false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pruner.max_resource")));
  EXPECT_THAT(Check("pruner: {type: hyperband, min_resource: 10}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pruner.max_resource: must be >= min_resource (10)")));
  EXPECT_THAT(Check("pruner: {type: eager}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown pruner \"eager\"")));
}

}  // namespace
}  // namespace hpo
