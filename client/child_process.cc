#include "client/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace hpo::client {

namespace {

// In the child, between fork and exec: only async-signal-safe calls. On
// failure, writes errno to `error_fd` and exits.
[[noreturn]] void ExecChild(char* const* args, const char* log_path, pid_t parent, int error_fd) {
  setpgid(0, 0);                        // a process group of its own, led by the child
  prctl(PR_SET_PDEATHSIG, SIGTERM);     // stopped when its parent dies, even by SIGKILL
  if (getppid() != parent) _exit(127);  // the parent died before prctl
  const int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log >= 0 && dup2(log, STDOUT_FILENO) >= 0 && dup2(log, STDERR_FILENO) >= 0) {
    execve(args[0], args, environ);
  }
  const int error = errno;
  (void)!write(error_fd, &error, sizeof(error));
  _exit(127);
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // The child writes errno here if it cannot open its log or exec; a
  // successful exec closes it (O_CLOEXEC), and the parent reads end of file.
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": pipe: ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(args.data(), log_path.c_str(), parent, error_pipe[1]);
  close(error_pipe[1]);
  if (pid < 0) {
    close(error_pipe[0]);
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": fork: ", std::strerror(errno)));
  }
  setpgid(pid, pid);  // as the child does, so that either order works
  int error = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &error, sizeof(error));
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (n == sizeof(error)) {
    waitpid(pid, nullptr, 0);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start ", argv[0], " (log ", log_path, "): ", std::strerror(error)));
  }
  return ChildProcess(pid);
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return;
  std::vector<ChildProcess> one;
  one.push_back(std::move(*this));
  StopAll(one, grace);
}

void ChildProcess::StopAll(std::vector<ChildProcess>& processes, std::chrono::milliseconds grace,
                           const std::function<bool()>& hurry) {
  for (ChildProcess& process : processes) {
    if (process.Running()) kill(process.pid_, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (ChildProcess& process : processes) {
    while (process.Running() && std::chrono::steady_clock::now() < deadline &&
           !(hurry && hurry())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process.Kill();
  }
}

void ChildProcess::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::StatusOr<std::string> FindProgram(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    fs::path dir = self.parent_path();
    for (const fs::path& candidate :
         {dir / name, dir / ".." / "server" / name, dir / ".." / "worker" / name}) {
      if (access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal().string();
    }
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view entry : absl::StrSplit(path != nullptr ? path : "", ':')) {
    fs::path candidate = fs::path(std::string(entry)) / name;
    if (!entry.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return absl::NotFoundError(
      absl::StrCat("cannot find the program ", name, " next to hpo or on PATH"));
}

}  // namespace hpo::client
