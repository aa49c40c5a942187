// Bounds on what one call may make the coordinator store or send. The service
// is shared: no caller may grow its memory without bound, nor make a response
// that another user's client cannot receive. Each is checked at the door and
// refused with INVALID_ARGUMENT naming the field.
#ifndef HPO_COMMON_API_LIMITS_H_
#define HPO_COMMON_API_LIMITS_H_

#include <cstdint>

namespace hpo {

inline constexpr int64_t kMaxStudyNameBytes = 128;
inline constexpr int64_t kMaxWorkerIdBytes = 256;
inline constexpr int64_t kMaxFailReasonBytes = 4096;
inline constexpr int64_t kMaxLeaseIdBytes = 64;
// User attributes: per trial, per name, and distinct names per study.
inline constexpr int kMaxUserAttrsPerTrial = 64;
inline constexpr int64_t kMaxUserAttrNameBytes = 128;
inline constexpr int kMaxUserAttrNamesPerStudy = 1000;
// Reported steps a trial keeps (task.epochs is at most this too).
inline constexpr int kMaxIntermediateValues = 10000;
// The serialized StudySpec.
inline constexpr int64_t kMaxSpecBytes = 64 * 1024;
// A request the coordinator accepts, and the size past which a page of
// ListTrials or ListStudies is cut short (gRPC's default limit for a received
// message is 4 MiB: every client can take a page).
inline constexpr int kMaxRequestBytes = 1 << 20;
inline constexpr int64_t kMaxPageBytes = 2 << 20;

}  // namespace hpo

#endif  // HPO_COMMON_API_LIMITS_H_
