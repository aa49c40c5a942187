#include "client/trial_command.h"

#include "common/spec_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/param_values.h"

namespace hpo::client {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::StudySpec Spec() {
  absl::StatusOr<v1::StudySpec> spec = LoadStudySpecYaml(R"(
name: s
objective: {metric: loss, direction: minimize}
params:
  lr: {type: float, low: 1.0e-5, high: 1.0, log: true}
  layers: {type: int, low: 1, high: 4}
  act: {type: categorical, choices: [relu, tanh]}
  batch: {type: categorical, choices: [32, 64]}
)",
                                                         "spec.yaml");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

v1::Trial Trial() {
  v1::Trial trial;
  trial.set_study_name("s");
  trial.set_number(7);
  (*trial.mutable_params())["lr"] = testing::Float(1e-05);
  (*trial.mutable_params())["layers"] = testing::Int(3);
  (*trial.mutable_params())["act"] = testing::Cat("tanh");
  (*trial.mutable_params())["batch"] = testing::Cat("64");
  return trial;
}

TEST(TrialCommandTest, AppendsFlagsWhenTheCommandHasNoPlaceholder) {
  TrialCommand command = BuildTrialCommand({"python3", "train.py", "--epochs", "3"}, Trial(),
                                           Spec(), "127.0.0.1:50051");
  EXPECT_THAT(command.argv, ElementsAre("python3", "train.py", "--epochs", "3", "--lr=1e-05",
                                        "--layers=3", "--act=tanh", "--batch=64"));
}

TEST(TrialCommandTest, ReplacesPlaceholdersAnywhereInAnArgument) {
  TrialCommand command = BuildTrialCommand(
      {"train", "--learning-rate", "{lr}", "--net={act}x{layers}", "{other}", "{lr"}, Trial(),
      Spec(), "");
  // Braces that name no parameter are the command's own.
  EXPECT_THAT(command.argv,
              ElementsAre("train", "--learning-rate", "1e-05", "--net=tanhx3", "{other}", "{lr"));
}

TEST(TrialCommandTest, NumbersReadBackExactly) {
  v1::Trial trial = Trial();
  (*trial.mutable_params())["lr"] = testing::Float(0.1 + 0.2);
  TrialCommand command = BuildTrialCommand({"run", "{lr}"}, trial, Spec(), "");
  EXPECT_EQ(std::stod(command.argv[1]), 0.1 + 0.2);
}

TEST(TrialCommandTest, EnvironmentNamesTheTrialAndHoldsTypedParams) {
  TrialCommand command = BuildTrialCommand({"run"}, Trial(), Spec(), "10.0.0.1:50051");
  ASSERT_EQ(command.env.size(), 4u);
  EXPECT_EQ(command.env[0], "HPO_STUDY=s");
  EXPECT_EQ(command.env[1], "HPO_TRIAL=7");
  EXPECT_EQ(command.env[3], "HPO_COORDINATOR=10.0.0.1:50051");
  ASSERT_EQ(command.env[2].rfind("HPO_PARAMS=", 0), 0u);
  nlohmann::json params = nlohmann::json::parse(command.env[2].substr(11));
  EXPECT_EQ(params["lr"], 1e-05);
  EXPECT_EQ(params["layers"], 3);
  EXPECT_EQ(params["act"], "tanh");
  EXPECT_EQ(params["batch"], 64);  // a numeric choice is a number, as in the Python client
}

TEST(TrialCommandTest, NamesTheParamsNoPlaceholderMentions) {
  EXPECT_THAT(ParamsNotInCommand({"run", "--lr", "{lr}", "{act}"}, Spec()),
              ElementsAre("layers", "batch"));
  // Without placeholders every parameter is appended as a flag.
  EXPECT_THAT(ParamsNotInCommand({"run"}, Spec()), IsEmpty());
}

}  // namespace
}  // namespace hpo::client
