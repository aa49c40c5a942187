// hpo agent: runs the user's command once per trial of a study, as W&B's
// agent and Katib's trial template do. For each trial it asks the coordinator
// for one under a lease (kept by heartbeats), starts the command with the
// trial's parameters (TrialCommand), passes its output through, reports the
// objective's values from its stdout (Katib's NAME=NUMBER lines, see
// metric_lines.h) as intermediate values, and tells the result: the
// objective's last value when the command exits 0, FAILED with the end of its
// stderr otherwise. A pruned trial, a stopped study or a lost lease stops the
// command (SIGTERM to its process group, SIGKILL after a grace period); so
// does Ctrl-C, which gives the trial back to be run again. Many agents, on
// many machines, can serve one study.
#ifndef HPO_CLIENT_AGENT_H_
#define HPO_CLIENT_AGENT_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/coordinator_client.h"

namespace hpo::client {

struct AgentOptions {
  std::string study;
  std::vector<std::string> command;
  int64_t count = 0;                             // trials to run; 0: until the study ends
  std::chrono::milliseconds timeout{0};          // a trial's longest run; 0: no limit
  std::chrono::milliseconds stop_grace{10'000};  // from SIGTERM to SIGKILL
  // W&B's flapping guard: this many failed trials within `failure_window`
  // stop the agent (a command that cannot run would use the study up).
  int max_failures = 3;
  std::chrono::milliseconds failure_window{60'000};
};

class Agent {
 public:
  // `client` must outlive the agent; its address is the command's
  // HPO_COORDINATOR. `log` gets the agent's own lines.
  Agent(CoordinatorClient* client, AgentOptions options, std::ostream& log);

  // Runs trials until `count` have run, the study is over (COMPLETED or
  // STOPPED), the flapping guard trips or a signal comes (see interrupts.h;
  // CANCELLED then).
  absl::Status Run();

 private:
  enum class Outcome {
    kComplete,   // told COMPLETE
    kFailed,     // told FAILED: counts towards the flapping guard
    kOver,       // pruned, or finished by the coordinator (lease lost, study stopped)
    kGivenBack,  // interrupted: the trial is queued again
  };
  struct Result {
    Outcome outcome;
    std::string detail;  // for the log
  };

  // The next trial under a lease, waiting while the study has none to give
  // but may have more (its running trials may be retried, a paused study
  // resumed); nullopt when it is over.
  absl::StatusOr<std::optional<v1::AskResponse>> NextTrial();
  Result RunTrial(const v1::AskResponse& asked);
  // Tells the trial FAILED with `reason`.
  Result Fail(const v1::TrialRef& ref, const std::string& reason);

  CoordinatorClient* client_;
  const AgentOptions options_;
  std::ostream& log_;
  v1::StudySpec spec_;
  std::deque<std::chrono::steady_clock::time_point> failures_;  // within the window
};

}  // namespace hpo::client

#endif  // HPO_CLIENT_AGENT_H_
