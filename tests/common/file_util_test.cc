#include "common/file_util.h"

#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo {
namespace {

using ::hpo::testing::IsOkAndHolds;
using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// gRPC aborts on a header value with a control byte, and prints it: a token
// is checked first, the same way wherever it comes from, and never echoed.
TEST(CheckTokenTest, OneWordOfVisibleAsciiOrAClearError) {
  EXPECT_THAT(CheckToken("  s3cret-token_1\n", "$HPO_TOKEN"), IsOkAndHolds("s3cret-token_1"));
  for (const std::string& bad : {std::string("sec\nret"), std::string("sec ret"),
                                 std::string("sec\x01ret"), std::string("sec\0ret", 7),
                                 std::string("s\xc3\xa9"
                                             "cret")}) {
    auto token = CheckToken(bad, "$HPO_TOKEN");
    EXPECT_THAT(token, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("$HPO_TOKEN must hold one token of visible ASCII")));
    EXPECT_THAT(std::string(token.status().message()), Not(HasSubstr("sec")));
  }
  EXPECT_THAT(CheckToken(" \n", "$HPO_TOKEN"),
              StatusIs(absl::StatusCode::kInvalidArgument, "$HPO_TOKEN is empty"));
  EXPECT_THAT(CheckToken(std::string(kMaxTokenBytes + 1, 'a'), "$HPO_TOKEN"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most")));
}

TEST(ReadTokenFileTest, ChecksTheFileAsTheEnvironment) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("token");
  std::ofstream(path) << "abc\x1b[2J\n";
  EXPECT_THAT(ReadTokenFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("token file " + path + " must hold one token")));
  std::ofstream(path) << "abc\n";
  chmod(path.c_str(), 0600);
  EXPECT_THAT(ReadTokenFile(path), IsOkAndHolds("abc"));
}

}  // namespace
}  // namespace hpo
