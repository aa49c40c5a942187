// `hpo-worker run-once`: parameter choice and the printed report.
#include "worker/run_once.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::worker {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kSpec[] = R"(name: try-me
params:
  lr:           {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
  dropout:      {type: float, low: 0.0, high: 0.5}
  width:        {type: int, low: 4, high: 64, log: true}
  activation:   {type: categorical, choices: [tanh, relu]}
task:
  dataset: {name: synthetic-regression, train_examples: 200, validation_examples: 50}
  model: {type: mlp, hidden: [8]}
  schedule: {type: cosine}
  max_grad_norm: 1.0
  epochs: 2
  batch_size: 32
)";

std::string WriteSpec(const hpo::testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.File("spec.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(RunOnceTest, UnsetParamsTakeTheMiddle) {
  hpo::testing::TempDir dir;
  std::ostringstream out, err;
  ASSERT_EQ(RunOnce(WriteSpec(dir, kSpec), {"dropout=0.1"}, /*threads=*/2, out, err), 0)
      << err.str();
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("param lr = 0.01 (geometric middle of [0.001, 0.1])"));
  EXPECT_THAT(text, HasSubstr("param dropout = 0.1 (set)"));
  EXPECT_THAT(text, HasSubstr("param width = 16 (geometric middle of [4, 64])"));
  EXPECT_THAT(text, HasSubstr("param activation = tanh (first of {tanh, relu})"));
  EXPECT_THAT(text, HasSubstr("epoch 1/2: train_loss "));
  EXPECT_THAT(text, HasSubstr("epoch 2/2: train_loss "));
  const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_THAT(last,
              MatchesRegex("\\{\"samples_per_s\": [0-9.e+]+, \"val_loss\": [0-9.e+-]+, "
                           "\"val_accuracy\": null, \"test_accuracy\": null, "
                           "\"test_loss\": null, \"epochs\": 2, \"seconds\": [0-9.e+-]+\\}\n"));
}

TEST(RunOnceTest, BadAssignmentsNameTheParameter) {
  hpo::testing::TempDir dir;
  const std::string spec = WriteSpec(dir, kSpec);
  const struct {
    std::string set;
    std::string message;
  } cases[] = {
      {"momentum=0.9",
       "--set momentum=0.9: the spec has no parameter \"momentum\" (parameters: "
       "lr, dropout, width, activation)"},
      {"lr=fast", "--set lr=fast: lr is a float; \"fast\" is not a number"},
      // Hex (0.03125, in range) is not how people write numbers: a typo.
      {"lr=0x1p-5", "--set lr=0x1p-5: lr is a float; \"0x1p-5\" is not a number"},
      {"lr=1", "--set lr=1: param \"lr\": 1 is above high (0.1)"},
      {"width=2.5", "--set width=2.5: width is an int; \"2.5\" is not an integer"},
      {"activation=gelu",
       "--set activation=gelu: param \"activation\": \"gelu\" is not one of the choices"},
      {"lr", "--set lr: expected NAME=VALUE"},
  };
  for (const auto& c : cases) {
    std::ostringstream out, err;
    EXPECT_EQ(RunOnce(spec, {c.set}, /*threads=*/1, out, err), 1) << c.set;
    EXPECT_EQ(err.str(), "hpo-worker run-once: " + c.message + "\n");
  }
  std::ostringstream out, err;
  EXPECT_EQ(RunOnce(dir.File("none.yaml"), {}, /*threads=*/1, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("none.yaml"));
}

TEST(RunOnceTest, ChooseParamsSnapsToTheGrid) {
  v1::StudySpec spec;
  auto* a = spec.add_params();
  a->set_name("a");
  a->mutable_float_distribution()->set_low(0);
  a->mutable_float_distribution()->set_high(1);
  a->mutable_float_distribution()->set_step(0.3);
  auto* b = spec.add_params();
  b->set_name("b");
  b->mutable_int_distribution()->set_low(1);
  b->mutable_int_distribution()->set_high(10);
  b->mutable_int_distribution()->set_step(3);
  std::vector<std::string> notes;
  auto params = ChooseParams(spec, {}, &notes);
  ASSERT_OK(params);
  EXPECT_NEAR(params->at("a").float_value(), 0.6, 1e-12);  // 0.5 -> nearest of 0, 0.3, 0.6, 0.9
  EXPECT_EQ(params->at("b").int_value(), 7);               // 5.5 -> nearest of 1, 4, 7, 10
  EXPECT_THAT(ChooseParams(spec, {"a=0.3", "a=0.6"}, &notes),
              StatusIs(absl::StatusCode::kInvalidArgument, "--set a=0.6: set more than once"));
  // A value must be one the sampler could draw: on the step grid too.
  EXPECT_THAT(ChooseParams(spec, {"b=5"}, &notes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--set b=5: param \"b\": 5 is not on the grid")));
}

}  // namespace
}  // namespace hpo::worker
