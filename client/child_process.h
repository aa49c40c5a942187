// A child process started by `hpo run` (a coordinator, a worker) or by `hpo
// agent` (the user's command for a trial). Its output goes to a log file or to
// pipes its parent reads; it is stopped with SIGTERM (then SIGKILL) when the
// object is destroyed, and gets SIGTERM when its parent dies, however it dies
// (Linux's PR_SET_PDEATHSIG, tied to the thread that started it). It runs in a
// process group of its own, which is what gets the signals, so that the
// processes it started stop with it, and a Ctrl-C in the terminal reaches only
// hpo, which then stops its children in order (workers before the coordinator
// they give their trials back to). Its stdin is /dev/null.
#ifndef HPO_CLIENT_CHILD_PROCESS_H_
#define HPO_CLIENT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hpo::client {

struct ChildOptions {
  // argv[0] is a path, or a name looked up on PATH as a shell would.
  std::vector<std::string> argv;
  // stdout and stderr are appended to this file; when empty, they go to pipes
  // that the parent reads (stdout_fd(), stderr_fd()).
  std::string log_path;
  // NAME=VALUE entries set on top of this process's environment.
  std::vector<std::string> env;
};

class ChildProcess {
 public:
  // Starts the child, in a new process group. Call it from a thread that
  // outlives the child.
  static absl::StatusOr<ChildProcess> Start(const ChildOptions& options);
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::string& log_path) {
    return Start(ChildOptions{argv, log_path, {}});
  }
  ChildProcess(ChildProcess&& other) noexcept { Swap(other); }
  // Stops the process this one held, then takes over `other`'s.
  ChildProcess& operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
      ChildProcess old(std::move(*this));
      Swap(other);
    }
    return *this;
  }
  ~ChildProcess();  // Stop() with a grace of 5 s

  // True while the process has not exited.
  bool Running();
  // SIGTERM to its process group, then SIGKILL to the group if it has not
  // exited after `grace` (cut short when `hurry`, if given, returns true);
  // reaps it.
  void Stop(std::chrono::milliseconds grace, const std::function<bool()>& hurry = nullptr);
  // Stop() for all of `processes` at once: SIGTERM to each, then one `grace`
  // for all of them to exit, cut short when `hurry` (if given) returns true.
  static void StopAll(std::vector<ChildProcess>& processes, std::chrono::milliseconds grace,
                      const std::function<bool()>& hurry = nullptr);
  // SIGKILL to its process group at once, as when its machine dies; reaps it.
  void Kill();

  // The read ends of its stdout and stderr pipes (non-blocking), or -1 when
  // its output goes to a log file.
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }
  // How it ended, once it has: "exited with status 1", "was killed by signal
  // 9 (Killed)"; nullopt while it runs. `exited_ok()` for status 0.
  std::optional<std::string> ExitDescription() const;
  bool exited_ok() const { return wait_status_ == 0; }

 private:
  ChildProcess() = default;
  void Swap(ChildProcess& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(wait_status_, other.wait_status_);
    std::swap(stdout_fd_, other.stdout_fd_);
    std::swap(stderr_fd_, other.stderr_fd_);
  }
  // SIGTERM or SIGKILL to the group while the leader runs.
  void Signal(int signal);
  void Reap(bool block);

  pid_t pid_ = -1;  // also the process group's id; -1 once reaped
  std::optional<int> wait_status_;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
};

// `name` as ChildProcess runs it: a path (it has a '/') to an executable
// file, or the first one of that name on PATH, as a shell finds commands.
absl::StatusOr<std::string> FindExecutable(const std::string& name);

// The path of a program that ships with hpo: next to this executable, in the
// build tree's server/ or worker/ directory, or on PATH.
absl::StatusOr<std::string> FindProgram(const std::string& name);

}  // namespace hpo::client

#endif  // HPO_CLIENT_CHILD_PROCESS_H_
