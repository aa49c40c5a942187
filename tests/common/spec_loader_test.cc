#include "common/spec_loader.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "common/task_settings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class LoadStudySpecFileTest : public ::testing::Test {
 protected:
  // A path in the test's temp dir, unique to this test and process.
  std::string TempPath(const std::string& name) {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return ::testing::TempDir() + "/" + info->name() + "." + std::to_string(getpid()) + "." + name;
  }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    std::string path = TempPath(name);
    std::ofstream out(path, std::ios::binary);
    out << contents;
    out.close();
    written_.push_back(path);
    return path;
  }

  void TearDown() override {
    for (const std::string& path : written_) std::remove(path.c_str());
  }

 private:
  std::vector<std::string> written_;
};

TEST_F(LoadStudySpecFileTest, LoadsWithDefaultsApplied) {
  const std::string path = WriteFile("spec.yaml", R"(name: fmnist
sampler: {seed: 3}
params:
  lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
task:
  dataset: {name: fashion-mnist}
  model: {hidden: [64]}
)");
  absl::StatusOr<v1::StudySpec> spec = LoadStudySpecFile(path);
  ASSERT_OK(spec);
  EXPECT_EQ(spec->name(), "fmnist");
  EXPECT_EQ(spec->direction(), v1::MINIMIZE);
  EXPECT_EQ(spec->sampler().type(), "auto");
  EXPECT_EQ(spec->sampler().seed(), 3u);
  EXPECT_EQ(spec->task().dataset().path(), kFashionMnistDefaultPath);
  EXPECT_EQ(spec->task().optimizer().lr(), 1e-3);
}

TEST_F(LoadStudySpecFileTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = TempPath("absent.yaml");
  EXPECT_THAT(LoadStudySpecFile(path), StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST_F(LoadStudySpecFileTest, DirectoryIsRejected) {
  EXPECT_THAT(LoadStudySpecFile(::testing::TempDir()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a directory")));
}

TEST_F(LoadStudySpecFileTest, ValidationErrorPointsAtTheLine) {
  const std::string path = WriteFile("bad.yaml", R"(name: s
params:
  wd: {type: float, low: 0, high: 1}
  lr:
    type: float
    low: 0.5
    high: 0.1
)");
  EXPECT_THAT(LoadStudySpecFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ":4: params.lr: low (0.5) must be <= high (0.1)"));
}

TEST_F(LoadStudySpecFileTest, ValidationErrorOfASubfieldUsesItsOwnLine) {
  const std::string path = WriteFile("bad.yaml", R"(name: s
params:
  lr:
    type: float
    log: true
    low: 0
    high: 0.1
)");
  EXPECT_THAT(LoadStudySpecFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ":6: params.lr.low: must be > 0 when log is true (got 0)"));
}

TEST_F(LoadStudySpecFileTest, ValidationErrorFallsBackToTheNearestParent) {
  // task.model.activation is defaulted, the failing choice is on line 4.
  const std::string path = WriteFile("bad.yaml", R"(name: s
params:
  activation:
    {type: categorical, choices: [relu, swish]}
task:
  dataset: {name: synthetic-regression}
  model:
    hidden: [4]
)");
  EXPECT_THAT(LoadStudySpecFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ":4: params.activation.choices[1]: unknown activation")));
  const std::string no_dataset = WriteFile("nodata.yaml", R"(name: s
params:
  lr: {type: float, low: 0.1, high: 0.2}
task:
  epochs: 2
)");
  EXPECT_THAT(LoadStudySpecFile(no_dataset),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(no_dataset + ":4: task.dataset.name: must be set")));
}

// proto3 cannot tell 0 from unset, but a file can: a written 0 is refused
// like any other value out of range instead of turning into the default.
TEST_F(LoadStudySpecFileTest, AWrittenZeroIsNotTheDefault) {
  const std::string head = R"(name: s
params:
  lr: {type: float, low: 0.001, high: 0.1}
task:
  model: {type: linear}
)";
  const std::string data = "  dataset: {name: synthetic-regression}\n";
  const struct {
    std::string yaml;
    std::string message;
  } cases[] = {
      {head + data + "  epochs: 0\n", ":7: task.epochs: must be in [1, 10000] (got 0)"},
      {head + data + "  batch_size: 0\n", ":7: task.batch_size: must be >= 1 (got 0)"},
      {head + "  dataset: {name: synthetic-regression, train_examples: 0}\n",
       ":6: task.dataset.train_examples: must be >= 1 (got 0)"},
      {head + "  dataset: {name: synthetic-regression, validation_examples: 0}\n",
       ":6: task.dataset.validation_examples: must be >= 1 (got 0)"},
      {"lease_seconds: 0\n" + head + data, ":1: lease_seconds: must be in [1, 86400] (got 0)"},
      {"name: s\nparams:\n  lr: {type: float, low: 0.001, high: 0.1, step: 0}\n",
       ":3: params.lr.step: must be finite and > 0 (got 0)"},
      {"name: s\nparams:\n  n:\n    type: int\n    low: 1\n    high: 9\n    step: 0\n",
       ":7: params.n.step: must be >= 1 (got 0)"},
  };
  for (const auto& c : cases) {
    const std::string path = WriteFile("zero.yaml", c.yaml);
    EXPECT_THAT(LoadStudySpecFile(path),
                StatusIs(absl::StatusCode::kInvalidArgument, path + c.message))
        << c.yaml;
  }
}

TEST_F(LoadStudySpecFileTest, AWrittenZeroThatMeansSomethingIsKept) {
  const std::string path = WriteFile("zeros.yaml", R"(name: s
max_trials: 0
params:
  lr: {type: float, low: 0.001, high: 0.1}
task:
  dataset: {name: csv, path: x.csv, validation_examples: 0}
  model: {type: linear}
  max_grad_norm: 0
  seed: 0
)");
  absl::StatusOr<v1::StudySpec> spec = LoadStudySpecFile(path);
  ASSERT_OK(spec);
  EXPECT_EQ(spec->max_trials(), 0);                            // no limit
  EXPECT_EQ(spec->task().dataset().validation_examples(), 0);  // 20% of the file
  EXPECT_EQ(spec->task().max_grad_norm(), 0);                  // no clipping
}

TEST_F(LoadStudySpecFileTest, ErrorOfAnAbsentFieldHasNoLine) {
  const std::string path = WriteFile("noname.yaml", "params:\n  x: {type: int, low: 1, high: 2}\n");
  EXPECT_THAT(LoadStudySpecFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, path + ": name: must not be empty"));
}

TEST_F(LoadStudySpecFileTest, ParseErrorNamesTheFile) {
  const std::string path =
      WriteFile("typo.yaml", "name: s\nparams:\n  lr: {type: float, lgo: 1}\n");
  EXPECT_THAT(LoadStudySpecFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ":3: params.lr.lgo: unknown field")));
}

}  // namespace
}  // namespace hpo
