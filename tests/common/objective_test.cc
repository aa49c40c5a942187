#include "common/objective.h"

#include "common/spec_validator.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// A study of `task` (empty: an ask/tell study) with `extra` fields, defaults applied.
v1::StudySpec Spec(const std::string& extra, const std::string& task = "fashion-mnist") {
  std::string text = R"pb(
                       name: "s"
                       params {
                         name: "lr"
                         float_distribution { low: 1e-4 high: 0.1 log: true }
                       }
                     )pb" +
                     extra + "\n";
  if (task == "regression")
    text += R"pb(task {
                   dataset { name: "synthetic-regression" }
                   model { hidden: 16 }
                 })pb";
  if (task == "csv-regression") {
    text += R"pb(task {
                   dataset { name: "csv" path: "d.csv" problem: "regression" }
                   model { hidden: 16 }
                 })pb";
  }
  if (task == "fashion-mnist")
    text += R"pb(task {
                   dataset { name: "fashion-mnist" }
                   model { hidden: 16 }
                 })pb";
  v1::StudySpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  ApplyStudySpecDefaults(&spec);
  return spec;
}

TEST(ObjectiveTest, DefaultsToMinimisingValLoss) {
  v1::StudySpec spec = Spec("");
  EXPECT_EQ(spec.objective().metric(), "val_loss");
  EXPECT_EQ(spec.objective().direction(), v1::MINIMIZE);
  EXPECT_EQ(spec.direction(), v1::MINIMIZE);
  EXPECT_OK(ValidateStudySpec(spec));
}

TEST(ObjectiveTest, EitherDirectionGivesTheOther) {
  v1::StudySpec from_objective =
      Spec(R"pb(objective { metric: "val_accuracy" direction: MAXIMIZE })pb");
  EXPECT_EQ(from_objective.direction(), v1::MAXIMIZE);
  EXPECT_OK(ValidateStudySpec(from_objective));

  v1::StudySpec from_top = Spec(R"pb(direction: MAXIMIZE
                                     objective { metric: "val_accuracy" })pb");
  EXPECT_EQ(from_top.objective().direction(), v1::MAXIMIZE);
  EXPECT_OK(ValidateStudySpec(from_top));

  v1::StudySpec twice = Spec(R"pb(direction: MAXIMIZE
                                  objective { direction: MINIMIZE })pb", "");
  EXPECT_THAT(ValidateStudySpec(twice),
              StatusIs(kInvalid,
                       "objective.direction: minimize disagrees with direction: "
                       "maximize; give one of them"));
}

TEST(ObjectiveTest, MaximisingALossIsRefusedWithTheFix) {
  // The new user's mistake: direction: maximize picked the worst model.
  EXPECT_THAT(ValidateStudySpec(Spec("direction: MAXIMIZE")),
              StatusIs(kInvalid,
                       "objective.direction: maximize would pick the worst model: val_loss is "
                       "a loss (lower is better); to maximise accuracy, set objective: "
                       "{metric: val_accuracy, direction: maximize}"));
  EXPECT_THAT(ValidateStudySpec(Spec(
                  R"pb(objective { metric: "train_loss" direction: MAXIMIZE })pb", "regression")),
              StatusIs(kInvalid, HasSubstr("use direction: minimize")));
  EXPECT_THAT(
      ValidateStudySpec(Spec(R"pb(objective { metric: "val_accuracy" direction: MINIMIZE })pb")),
      StatusIs(kInvalid, HasSubstr("val_accuracy is an accuracy (higher is better); use "
                                   "direction: maximize")));
}

TEST(ObjectiveTest, ATaskStudyOptimisesAMetricTheEngineReports) {
  EXPECT_THAT(ValidateStudySpec(Spec(R"pb(objective { metric: "f1" })pb")),
              StatusIs(kInvalid,
                       "objective.metric: the engine does not report \"f1\" (a task "
                       "study optimises one of: val_loss, val_accuracy, train_loss)"));
  for (const char* task : {"regression", "csv-regression"}) {
    EXPECT_THAT(ValidateStudySpec(
                    Spec(R"pb(objective { metric: "val_accuracy" direction: MAXIMIZE })pb", task)),
                StatusIs(kInvalid, HasSubstr("val_accuracy needs a classification task")))
        << task;
  }
  EXPECT_OK(ValidateStudySpec(Spec(R"pb(objective { metric: "train_loss" })pb", "regression")));
}

TEST(ObjectiveTest, OtherStudiesNameAnyMetricInEitherDirection) {
  EXPECT_OK(ValidateStudySpec(Spec(R"pb(objective { metric: "f1" direction: MAXIMIZE })pb", "")));
  EXPECT_OK(ValidateStudySpec(Spec(R"pb(objective { metric: "val/loss-2.b_c" })pb", "")));
  EXPECT_OK(ValidateStudySpec(Spec("direction: MAXIMIZE", "")));
  for (const char* bad : {"a b", "a=b", "x\\n"}) {
    EXPECT_THAT(ValidateStudySpec(Spec(std::string("objective { metric: \"") + bad + "\" }", "")),
                StatusIs(kInvalid, HasSubstr("objective.metric: may only contain")))
        << bad;
  }
  EXPECT_THAT(ValidateStudySpec(Spec("objective { metric: \"" + std::string(65, 'm') + "\" }", "")),
              StatusIs(kInvalid, "objective.metric: must be 1 to 64 characters"));
}

TEST(ObjectiveTest, AStoredSpecWithoutObjectiveOptimisesValLoss) {
  v1::StudySpec old;
  old.set_direction(v1::MINIMIZE);
  EXPECT_EQ(ObjectiveMetric(old), "val_loss");
  ApplyObjectiveDefaults(&old);
  EXPECT_EQ(old.objective().metric(), "val_loss");
  EXPECT_EQ(old.objective().direction(), v1::MINIMIZE);
  v1::StudySpec again = old;
  ApplyObjectiveDefaults(&again);
  EXPECT_EQ(again.SerializeAsString(), old.SerializeAsString());
}

}  // namespace
}  // namespace hpo
