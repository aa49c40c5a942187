#include "common/spec_diff.h"

#include <string>
#include <vector>

#include "common/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpo {
namespace {

using ::testing::ElementsAre;

v1::StudySpec Parse(const std::string& yaml) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(yaml, "s.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? parsed->spec : v1::StudySpec();
}

std::vector<std::string> Changes(const std::string& a, const std::string& b) {
  std::vector<std::string> out;
  for (const SpecChange& c : DiffStudySpecs(Parse(a), Parse(b))) {
    out.push_back(FormatSpecChange(c));
  }
  return out;
}

TEST(SpecDiffTest, NamesFieldsAsTheFileDoes) {
  const std::string base =
      "name: s\nmax_trials: 10\ndirection: minimize\n"
      "params:\n  lr: {type: float, low: 0.001, high: 1}\n  act: {type: categorical, choices: [a, "
      "b]}\n"
      "task: {dataset: {name: csv, path: a.csv}, model: {hidden: [8]}}\n";
  EXPECT_TRUE(Changes(base, base).empty());
  EXPECT_THAT(
      Changes(base,
              "name: s\nmax_trials: 20\ndirection: maximize\n"
              "params:\n  lr: {type: float, low: 0.001, high: 2}\n  act: {type: categorical, "
              "choices: [a]}\n  width: {type: int, low: 1, high: 4}\n"
              "task: {dataset: {name: csv, path: b.csv}, model: {hidden: [8, 8]}}\n"),
      ElementsAre("direction: minimize -> maximize", "max_trials: 10 -> 20",
                  "params.lr.high: 1 -> 2", "params.act.choices: [\"a\", \"b\"] -> [\"a\"]",
                  "params.width: (unset) -> int", "task.dataset.path: \"a.csv\" -> \"b.csv\"",
                  "task.model.hidden: [8] -> [8, 8]"));
  EXPECT_THAT(Changes("name: s\nparams: {x: {type: float, low: 0, high: 1}}\n",
                      "name: s\nparams: {x: {type: int, low: 0, high: 1}}\nsampler: {seed: 3}\n"),
              ElementsAre("sampler.seed: (unset) -> 3", "params.x.type: float -> int"));
}

}  // namespace
}  // namespace hpo
