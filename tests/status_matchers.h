// gMock matchers for absl::Status and absl::StatusOr, shared by every test.
#ifndef HPO_TESTS_STATUS_MATCHERS_H_
#define HPO_TESTS_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace hpo::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low")))
MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

MATCHER(IsOk, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.ok();
}

// EXPECT_THAT(ParseNumber("1.5"), IsOkAndHolds(1.5))
MATCHER_P(IsOkAndHolds, value_matcher, "") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace hpo::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::hpo::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::hpo::testing::IsOk())

#endif  // HPO_TESTS_STATUS_MATCHERS_H_
