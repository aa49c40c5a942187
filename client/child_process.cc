#include "client/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
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

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);  // a group of its own, led by the child
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start ", argv[0], ": ", std::strerror(rc)));
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
