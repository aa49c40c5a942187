// A child process started by `hpo run`: its output goes to a log file, and it
// is stopped with SIGTERM (then SIGKILL) when the object is destroyed, and
// gets SIGTERM when its parent dies, however it dies (Linux's
// PR_SET_PDEATHSIG, tied to the thread that started it). It runs in a process
// group of its own, so a Ctrl-C in the terminal reaches only hpo, which then
// stops its children in order (workers before the coordinator they give their
// trials back to).
#ifndef HPO_CLIENT_CHILD_PROCESS_H_
#define HPO_CLIENT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hpo::client {

class ChildProcess {
 public:
  // Starts argv[0] with stdout and stderr appended to `log_path`, in a new
  // process group. Call it from a thread that outlives the child.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  // Stops the process this one held, then takes over `other`'s.
  ChildProcess& operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
      Stop(std::chrono::seconds(5));
      pid_ = other.pid_;
      other.pid_ = -1;
    }
    return *this;
  }
  ~ChildProcess() { Stop(std::chrono::seconds(5)); }

  // True while the process has not exited.
  bool Running();
  // SIGTERM, then SIGKILL if it has not exited after `grace`; reaps it.
  void Stop(std::chrono::milliseconds grace);
  // Stop() for all of `processes` at once: SIGTERM to each, then one `grace`
  // for all of them to exit, cut short when `hurry` (if given) returns true.
  static void StopAll(std::vector<ChildProcess>& processes, std::chrono::milliseconds grace,
                      const std::function<bool()>& hurry = nullptr);
  // SIGKILL at once, as when its machine dies; reaps it.
  void Kill();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

// The path of a program that ships with hpo: next to this executable, in the
// build tree's server/ or worker/ directory, or on PATH.
absl::StatusOr<std::string> FindProgram(const std::string& name);

}  // namespace hpo::client

#endif  // HPO_CLIENT_CHILD_PROCESS_H_
