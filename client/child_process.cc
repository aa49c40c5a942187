#include "client/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

extern char** environ;

namespace hpo::client {

namespace {

// What the child does between fork and exec, prepared by the parent so that
// the child makes only async-signal-safe calls.
struct ExecPlan {
  char* const* args;
  char* const* env;
  int stdin_fd;   // /dev/null
  int output_fd;  // the log, or -1 for the pipes
  int stdout_fd;  // the pipes' write ends, or -1
  int stderr_fd;
  pid_t parent;
  int error_fd;  // written errno on failure
};

[[noreturn]] void ExecChild(const ExecPlan& plan) {
  setpgid(0, 0);                             // a process group of its own, led by the child
  prctl(PR_SET_PDEATHSIG, SIGTERM);          // stopped when its parent dies, even by SIGKILL
  if (getppid() != plan.parent) _exit(127);  // the parent died before prctl
  const int out = plan.output_fd >= 0 ? plan.output_fd : plan.stdout_fd;
  const int err = plan.output_fd >= 0 ? plan.output_fd : plan.stderr_fd;
  // dup2 leaves the new descriptors open across exec (no O_CLOEXEC).
  if (dup2(plan.stdin_fd, STDIN_FILENO) >= 0 && dup2(out, STDOUT_FILENO) >= 0 &&
      dup2(err, STDERR_FILENO) >= 0) {
    execve(plan.args[0], plan.args, plan.env);
  }
  const int error = errno;
  (void)!write(plan.error_fd, &error, sizeof(error));
  _exit(127);
}

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

// `name` looked up on PATH, as execvp would (done in the parent, to say
// clearly what is missing before anything starts).
std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (absl::string_view entry : absl::StrSplit(path != nullptr ? path : "", ':')) {
    if (entry.empty()) continue;
    const std::string candidate = absl::StrCat(entry, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return std::nullopt;
}

// This process's environment with `overrides` (NAME=VALUE) set on top.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& overrides) {
  std::vector<std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view text(*entry);
    const absl::string_view name = text.substr(0, text.find('='));
    bool overridden = false;
    for (const std::string& override : overrides) {
      overridden |= absl::string_view(override).substr(0, override.find('=')) == name;
    }
    if (!overridden) merged.emplace_back(text);
  }
  merged.insert(merged.end(), overrides.begin(), overrides.end());
  return merged;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (const std::string& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

void CloseIfOpen(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// The descriptors Start() makes, each O_CLOEXEC so that no child inherits
// another's (dup2 in the child gives it its own three); those not handed on
// are closed when Start() returns.
struct StartFds {
  int error[2] = {-1, -1};  // the child writes errno here if it cannot exec
  int out[2] = {-1, -1};    // stdout and stderr pipes, when piped
  int err[2] = {-1, -1};
  int null = -1;  // the child's stdin
  int log = -1;   // the child's stdout and stderr, when logged

  StartFds() = default;
  StartFds(const StartFds&) = delete;
  StartFds& operator=(const StartFds&) = delete;
  ~StartFds() {
    for (int* fd : {&error[0], &error[1], &out[0], &out[1], &err[0], &err[1], &null, &log}) {
      CloseIfOpen(*fd);
    }
  }
};

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const ChildOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return absl::InvalidArgumentError("no command to start");
  }
  std::vector<std::string> argv = options.argv;
  ASSIGN_OR_RETURN(argv[0], FindExecutable(argv[0]));
  const std::vector<std::string> env = MergedEnvironment(options.env);
  std::vector<char*> args = CStrings(argv);
  std::vector<char*> envp = CStrings(env);

  StartFds fds;
  fds.null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const bool piped = options.log_path.empty();
  if (fds.null < 0 || pipe2(fds.error, O_CLOEXEC) != 0 ||
      (piped && (pipe2(fds.out, O_CLOEXEC) != 0 || pipe2(fds.err, O_CLOEXEC) != 0))) {
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": pipe: ", std::strerror(errno)));
  }
  if (!piped) {
    fds.log = open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fds.log < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot start ", argv[0], ": its log ", options.log_path, ": ", std::strerror(errno)));
    }
  }
  const ExecPlan plan{args.data(), envp.data(), fds.null,  fds.log,
                      fds.out[1],  fds.err[1],  getpid(), fds.error[1]};
  const pid_t pid = fork();
  if (pid == 0) ExecChild(plan);
  const int fork_error = errno;
  // The child's ends: while the parent holds them, it would never read end
  // of file on the error pipe or on the output.
  for (int* fd : {&fds.error[1], &fds.out[1], &fds.err[1]}) CloseIfOpen(*fd);
  if (pid < 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": fork: ", std::strerror(fork_error)));
  }
  setpgid(pid, pid);  // as the child does, so that either order works
  int error = 0;
  ssize_t n;
  do {
    n = read(fds.error[0], &error, sizeof(error));
  } while (n < 0 && errno == EINTR);
  if (n == sizeof(error)) {
    waitpid(pid, nullptr, 0);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start ", argv[0], ": ", std::strerror(error)));
  }
  ChildProcess child;
  child.pid_ = pid;
  for (int read_end : {fds.out[0], fds.err[0]}) {
    if (read_end >= 0) fcntl(read_end, F_SETFL, fcntl(read_end, F_GETFL) | O_NONBLOCK);
  }
  std::swap(child.stdout_fd_, fds.out[0]);
  std::swap(child.stderr_fd_, fds.err[0]);
  return child;
}

ChildProcess::~ChildProcess() {
  Stop(std::chrono::seconds(5));
  CloseIfOpen(stdout_fd_);
  CloseIfOpen(stderr_fd_);
}

void ChildProcess::Reap(bool block) {
  if (pid_ <= 0 || wait_status_) return;
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid_) {
    wait_status_ = status;
  } else if (reaped < 0) {
    wait_status_ = -1;  // not our child any more: nothing to wait for
  }
}

bool ChildProcess::Running() {
  Reap(/*block=*/false);
  return pid_ > 0 && !wait_status_;
}

void ChildProcess::Signal(int signal) {
  if (Running()) kill(-pid_, signal);
}

void ChildProcess::Stop(std::chrono::milliseconds grace, const std::function<bool()>& hurry) {
  if (!Running()) return;
  std::vector<ChildProcess> one;
  one.push_back(std::move(*this));
  StopAll(one, grace, hurry);
  *this = std::move(one[0]);
}

void ChildProcess::StopAll(std::vector<ChildProcess>& processes, std::chrono::milliseconds grace,
                           const std::function<bool()>& hurry) {
  std::vector<bool> signalled;
  for (ChildProcess& process : processes) {
    signalled.push_back(process.Running());
    process.Signal(SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (size_t i = 0; i < processes.size(); ++i) {
    ChildProcess& process = processes[i];
    while (process.Running() && std::chrono::steady_clock::now() < deadline &&
           !(hurry && hurry())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process.Kill();
    // What the leader started and left behind, in its group, goes too.
    if (signalled[i]) kill(-process.pid_, SIGKILL);
  }
}

void ChildProcess::Kill() {
  if (!Running()) return;
  kill(-pid_, SIGKILL);
  Reap(/*block=*/true);
}

std::optional<std::string> ChildProcess::ExitDescription() const {
  if (!wait_status_) return std::nullopt;
  const int status = *wait_status_;
  if (status == -1) return "exited";
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status), " (",
                        strsignal(WTERMSIG(status)), ")");
  }
  return "exited";
}

absl::StatusOr<std::string> FindExecutable(const std::string& name) {
  if (name.find('/') == std::string::npos) {
    std::optional<std::string> found = FindOnPath(name);
    if (!found) return absl::NotFoundError(absl::StrCat(name, ": command not found on PATH"));
    return *found;
  }
  if (!IsExecutableFile(name)) {
    return absl::NotFoundError(absl::StrCat(name, ": no such executable file"));
  }
  return name;
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
  if (std::optional<std::string> found = FindOnPath(name)) return *found;
  return absl::NotFoundError(
      absl::StrCat("cannot find the program ", name, " next to hpo or on PATH"));
}

}  // namespace hpo::client
