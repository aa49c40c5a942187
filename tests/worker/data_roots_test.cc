#include "worker/data_roots.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::worker {
namespace {

using ::hpo::testing::IsOkAndHolds;
using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

class DataRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_.File("data/sub"));
    std::filesystem::create_directories(root_.File("data-other"));
    std::ofstream(root_.File("data-other/x.csv")) << "x,y\n";
    std::ofstream(root_.File("data/train.csv")) << "x,y\n";
    std::ofstream(outside_.File("secret.csv")) << "x,y\n";
    std::filesystem::create_symlink(outside_.File("secret.csv"), root_.File("data/link.csv"));
    auto roots = DataRoots::Create({root_.File("data")});
    ASSERT_OK(roots);
    roots_ = *std::move(roots);
  }

  std::string Real(const std::string& path) { return std::filesystem::canonical(path).string(); }

  hpo::testing::TempDir root_;
  hpo::testing::TempDir outside_;
  DataRoots roots_;
};

TEST_F(DataRootsTest, APathUnderARootResolvesToItsRealPath) {
  EXPECT_THAT(roots_.Resolve("task.dataset.path", root_.File("data/train.csv")),
              IsOkAndHolds(Real(root_.File("data/train.csv"))));
  EXPECT_THAT(roots_.Resolve("task.dataset.path", root_.File("data/sub/../train.csv")),
              IsOkAndHolds(Real(root_.File("data/train.csv"))));
}

// Outside, through "..", through a symlink, missing, or a root's mere
// prefix: one answer, so nothing is learnt about what exists outside.
TEST_F(DataRootsTest, EverythingElseGetsTheSameAnswer) {
  const std::string expected = "is not a file under this worker's data roots";
  for (const std::string& path :
       {outside_.File("secret.csv"),
        root_.File("data/") +
            std::filesystem::relative(outside_.File("secret.csv"), root_.File("data")).string(),
        root_.File("data/link.csv"), outside_.File("missing.csv"),
        std::string("/proc/self/environ"), root_.File("data-other/x.csv"), std::string("")}) {
    EXPECT_THAT(
        roots_.Resolve("task.dataset.path", path),
        StatusIs(absl::StatusCode::kPermissionDenied,
                 "task.dataset.path: \"" + path + "\" " + expected + " (hpo-worker --data-root)"))
        << path;
  }
  EXPECT_THAT(DataRoots().Resolve("f", root_.File("data/train.csv")),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(expected)));
}

TEST_F(DataRootsTest, ResolvesEveryFileOfAConfig) {
  engine::DataConfig csv;
  csv.name = "csv";
  csv.path = root_.File("data/train.csv");
  csv.test_path = outside_.File("secret.csv");
  EXPECT_THAT(roots_.ResolveDataConfig(&csv),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("task.dataset.test_path")));
  engine::DataConfig mnist;
  mnist.name = "fashion-mnist";
  mnist.path = root_.File("data");  // no IDX files there
  EXPECT_THAT(roots_.ResolveDataConfig(&mnist), StatusIs(absl::StatusCode::kPermissionDenied,
                                                         HasSubstr("train-images-idx3-ubyte.gz")));
  engine::DataConfig synthetic;
  synthetic.name = "synthetic-regression";
  EXPECT_OK(roots_.ResolveDataConfig(&synthetic));
}

TEST(DataRootsCreateTest, ARootMustBeAnExistingDirectory) {
  EXPECT_THAT(DataRoots::Create({"/no/such/dir"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--data-root /no/such/dir: not an existing directory"));
  EXPECT_THAT(DataRoots::Create({"/etc/hostname"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an existing directory")));
}

}  // namespace
}  // namespace hpo::worker
