// Early-return helpers for absl::Status / absl::StatusOr (Debian's abseil
// 20220623 has none of its own).
#ifndef HPO_COMMON_STATUS_MACROS_H_
#define HPO_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HPO_STATUS_CONCAT_INNER_(a, b) a##b
#define HPO_STATUS_CONCAT_(a, b) HPO_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status hpo_status_ = (expr);       \
    if (!hpo_status_.ok()) return hpo_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  HPO_ASSIGN_OR_RETURN_IMPL_(HPO_STATUS_CONCAT_(hpo_statusor_, __LINE__), lhs, expr)

#define HPO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // HPO_COMMON_STATUS_MACROS_H_
