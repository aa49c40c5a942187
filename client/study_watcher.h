// Follows a running study: prints a line for each trial as it finishes, until
// the study is COMPLETED or STOPPED.
#ifndef HPO_CLIENT_STUDY_WATCHER_H_
#define HPO_CLIENT_STUDY_WATCHER_H_

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "common/coordinator_client.h"

namespace hpo::client {

// Polls every `poll`; stops early (returning the study as it is) when
// `keep_going` returns false. Once a poll has succeeded, a coordinator that
// stops answering (UNAVAILABLE or DEADLINE_EXCEEDED, as while it restarts or
// its machine reboots) is polled again for up
// to `reconnect_for`, with a line on `out` when it goes and when it is back;
// after that, or at once when `reconnect_for` is 0, the error is returned.
absl::StatusOr<v1::Study> WatchStudy(CoordinatorClient& client, const std::string& study_name,
                                     std::ostream& out, const std::function<bool()>& keep_going,
                                     std::chrono::milliseconds poll,
                                     std::chrono::seconds reconnect_for = std::chrono::seconds(0));

}  // namespace hpo::client

#endif  // HPO_CLIENT_STUDY_WATCHER_H_
