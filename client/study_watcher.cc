#include "client/study_watcher.h"

#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/trial_format.h"
#include "common/search_space.h"
#include "common/status_macros.h"
#include "common/trial_state.h"

namespace hpo::client {
namespace {

std::string DescribeTrial(const v1::Trial& trial, const v1::StudySpec& spec) {
  std::string line =
      absl::StrFormat("trial %3d %-8s", trial.number(), v1::Trial::State_Name(trial.state()));
  if (trial.has_value()) absl::StrAppend(&line, absl::StrFormat(" value %.5g", trial.value()));
  for (const v1::ParamSpec& param : spec.params()) {
    auto it = trial.params().find(param.name());
    if (it == trial.params().end()) continue;
    std::string value = it->second.has_float_value()
                            ? absl::StrFormat("%.4g", it->second.float_value())
                            : FormatParamValue(it->second);
    absl::StrAppend(&line, " ", param.name(), "=", value);
  }
  if (auto it = trial.user_attrs().find("val_accuracy"); it != trial.user_attrs().end()) {
    absl::StrAppend(&line, absl::StrFormat(" val_accuracy=%.4f", it->second));
  }
  if (!trial.fail_reason().empty()) absl::StrAppend(&line, " (", trial.fail_reason(), ")");
  return EscapeControl(line);
}

}  // namespace

absl::StatusOr<v1::Study> WatchStudy(CoordinatorClient& client, const std::string& study_name,
                                     std::ostream& out, const std::function<bool()>& keep_going,
                                     std::chrono::milliseconds poll,
                                     std::chrono::seconds reconnect_for) {
  // Trials below `first_unfinished` are all finished and reported: each poll
  // lists only the trials from there on, so it costs the same in a big study.
  int64_t first_unfinished = 0;
  int64_t reported = 0;
  std::set<int64_t> reported_above;  // finished and reported, >= first_unfinished
  // The progress counts the trials max_trials counts: a failure that was
  // retried is shown but not counted (its retry is), so the count never
  // passes the total, even when watching starts on a study with history.
  auto print_new_trials = [&](const v1::Study& study) -> absl::Status {
    std::optional<int64_t> lowest_unfinished;
    int64_t end = first_unfinished;
    std::vector<v1::Trial> finished;
    std::set<int64_t> retried;  // numbers with a retry among the trials listed
    RETURN_IF_ERROR(client.ForEachTrial(study_name, first_unfinished, [&](const v1::Trial& trial) {
      end = trial.number() + 1;
      if (trial.has_retry_of()) retried.insert(trial.retry_of());
      if (!IsFinished(trial.state())) {
        if (!lowest_unfinished.has_value()) lowest_unfinished = trial.number();
        return;
      }
      if (reported_above.insert(trial.number()).second) finished.push_back(trial);
    }));
    for (const v1::Trial& trial : finished) {
      // A retry is made in the same change that fails the trial it retries,
      // so this listing holds it if there is one.
      const bool was_retried = retried.count(trial.number()) > 0;
      if (!was_retried) ++reported;
      std::string progress = study.spec().max_trials() > 0
                                 ? absl::StrCat("[", reported, "/", study.spec().max_trials(), "] ")
                                 : absl::StrCat("[", reported, "] ");
      out << progress << DescribeTrial(trial, study.spec()) << (was_retried ? " - retried" : "")
          << std::endl;
    }
    first_unfinished = lowest_unfinished.value_or(end);
    reported_above.erase(reported_above.begin(), reported_above.lower_bound(first_unfinished));
    return absl::OkStatus();
  };

  bool answered = false;  // reconnecting is for a coordinator that was there
  std::optional<std::chrono::steady_clock::time_point> lost_since;
  while (true) {
    absl::StatusOr<v1::Study> study = client.GetStudy(study_name);
    if (study.ok() && lost_since.has_value()) {
      out << "the coordinator is back" << std::endl;
      lost_since.reset();
    }
    const absl::Status status = study.ok() ? print_new_trials(*study) : study.status();
    if (status.ok()) {
      answered = true;
      if (study->state() != v1::Study::RUNNING || !keep_going()) return study;
    } else {
      const auto now = std::chrono::steady_clock::now();
      const bool unreachable = absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
      if (!answered || !unreachable || reconnect_for.count() == 0 ||
          (lost_since.has_value() && now - *lost_since > reconnect_for)) {
        return status;
      }
      if (!lost_since.has_value()) {
        lost_since = now;
        out << "lost the coordinator: " << status.message() << "; trying again for up to "
            << reconnect_for.count() << " s" << std::endl;
      }
      if (!keep_going()) return status;
    }
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace hpo::client
