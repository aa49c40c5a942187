#include "tests/e2e/local_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/spec_parser.h"
#include "gtest/gtest.h"

namespace hpo::testing {

v1::StudySpec ParseSpec(const std::string& yaml) {
  absl::StatusOr<ParsedSpec> parsed = ParseStudySpecYaml(yaml, "spec.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? parsed->spec : v1::StudySpec();
}

std::string LongTrialsSpec(const std::string& name, int max_trials) {
  return absl::StrCat("name: ", name,
                      "\nsampler: {type: random, seed: 3}\nmax_trials: ", max_trials,
                      R"yaml(
params:
  lr: {type: float, low: 1.0e-3, high: 1.0e-1, log: true}
task:
  dataset: {name: synthetic-regression, train_examples: 20000, validation_examples: 200}
  model: {type: mlp, hidden: [64, 64]}
  epochs: 100
)yaml");
}

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string ShellQuote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Lowers this process's RLIMIT_FSIZE soft limit and ignores SIGXFSZ while it
// lives. A child spawned meanwhile inherits both (posix_spawn leaves ignored
// signals ignored); this process gets its own limit back at once.
class ScopedFileSizeLimit {
 public:
  ScopedFileSizeLimit() = default;
  ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
  ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;
  ~ScopedFileSizeLimit() {
    if (!active_) return;
    setrlimit(RLIMIT_FSIZE, &saved_limit_);
    signal(SIGXFSZ, saved_handler_);
  }

  absl::Status Lower(int64_t bytes) {
    if (getrlimit(RLIMIT_FSIZE, &saved_limit_) != 0) {
      return absl::InternalError(absl::StrCat("getrlimit: ", std::strerror(errno)));
    }
    rlimit lowered = saved_limit_;
    lowered.rlim_cur = static_cast<rlim_t>(bytes);
    if (setrlimit(RLIMIT_FSIZE, &lowered) != 0) {
      return absl::InternalError(absl::StrCat("setrlimit: ", std::strerror(errno)));
    }
    saved_handler_ = signal(SIGXFSZ, SIG_IGN);
    active_ = true;
    return absl::OkStatus();
  }

 private:
  bool active_ = false;
  rlimit saved_limit_{};
  sighandler_t saved_handler_ = SIG_DFL;
};

}  // namespace

LocalCluster::LocalCluster() {
  const char* build_dir = std::getenv("HPO_BUILD_DIR");
  // Absolute, as commands run from the temp dir.
  build_dir_ = std::filesystem::absolute(build_dir != nullptr ? build_dir : ".").string();
}

std::string LocalCluster::Binary(const std::string& relative) const {
  return build_dir_ + "/" + relative;
}

std::string LocalCluster::WriteFile(const std::string& name, const std::string& text) {
  std::string path = dir_.File(name);
  std::ofstream(path) << text;
  return path;
}

absl::Status LocalCluster::StartCoordinator(int port,
                                            const std::vector<std::string>& extra_args) {
  const std::string port_file = dir_.File("coordinator.address");
  std::remove(port_file.c_str());
  std::vector<std::string> argv = {Binary("server/hpo-coordinator"),
                                   "--listen",
                                   absl::StrCat("127.0.0.1:", port),
                                   "--db",
                                   db_path(),
                                   "--port-file",
                                   port_file,
                                   "--reclaim-interval",
                                   "0.2"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<client::ChildProcess> process = absl::UnknownError("not started");
  {
    ScopedFileSizeLimit limit;
    if (coordinator_file_size_limit_.has_value()) {
      if (absl::Status status = limit.Lower(*coordinator_file_size_limit_); !status.ok()) {
        return status;
      }
    }
    process = client::ChildProcess::Start(argv, dir_.File("coordinator.log"));
  }
  if (!process.ok()) return process.status();
  coordinator_.emplace(*std::move(process));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string address = ReadAll(port_file);
    if (!address.empty() && address.back() == '\n') {
      address_ = address.substr(0, address.size() - 1);
      if (!absl::SimpleAtoi(address_.substr(address_.rfind(':') + 1), &port_)) {
        return absl::InternalError(absl::StrCat("bad address in port file: ", address_));
      }
      client_ = std::make_unique<CoordinatorClient>(hpo::Connection{
          address_, token_,
          credentials_ != nullptr ? credentials_ : grpc::InsecureChannelCredentials()});
      return absl::OkStatus();
    }
    if (!coordinator_->Running()) {
      return absl::InternalError(
          absl::StrCat("coordinator exited: ", ReadAll(dir_.File("coordinator.log"))));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("coordinator did not start in 20 s");
}

void LocalCluster::KillCoordinator() {
  coordinator_->Kill();
  coordinator_.reset();
}

void LocalCluster::StopCoordinator() {
  if (coordinator_.has_value()) coordinator_->Stop(std::chrono::seconds(5));
  coordinator_.reset();
}

absl::StatusOr<client::ChildProcess> LocalCluster::LaunchWorker(
    const std::string& id, const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {Binary("worker/hpo-worker"), "--coordinator", address_,
                                   "--worker-id", id};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return client::ChildProcess::Start(argv, WorkerLog(id));
}

int LocalCluster::RunningWorkers() {
  int running = 0;
  for (client::ChildProcess& worker : workers_) running += worker.Running() ? 1 : 0;
  return running;
}

absl::Status LocalCluster::StartWorker(const std::string& id,
                                       const std::vector<std::string>& extra_args) {
  auto process = LaunchWorker(id, extra_args);
  if (!process.ok()) return process.status();
  workers_.push_back(*std::move(process));
  return absl::OkStatus();
}

void LocalCluster::KillWorker(size_t index) { workers_[index].Kill(); }

absl::Status LocalCluster::RestartWorker(size_t index, const std::string& id,
                                         const std::vector<std::string>& extra_args) {
  auto process = LaunchWorker(id, extra_args);
  if (!process.ok()) return process.status();
  workers_[index] = *std::move(process);
  return absl::OkStatus();
}

void LocalCluster::StopWorkers() {
  for (client::ChildProcess& worker : workers_) worker.Stop(std::chrono::seconds(5));
  workers_.clear();
}

CommandResult LocalCluster::Shell(const std::string& command) {
  const int id = ++commands_run_;
  const std::string out = dir_.File(absl::StrCat("command-", id, ".out"));
  const std::string err = dir_.File(absl::StrCat("command-", id, ".err"));
  CommandResult result;
  const int status = std::system(absl::StrCat("cd ", ShellQuote(dir_.path()), " && (", command,
                                              ") >", ShellQuote(out), " 2>", ShellQuote(err))
                                     .c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(out);
  result.err = ReadAll(err);
  return result;
}

CommandResult LocalCluster::RunAs(const std::vector<std::string>& argv, std::optional<User> user,
                                  std::chrono::seconds timeout) {
  const int id = ++commands_run_;
  const std::string out = dir_.File(absl::StrCat("command-", id, ".out"));
  const std::string err = dir_.File(absl::StrCat("command-", id, ".err"));
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  CommandResult result;
  const pid_t pid = fork();
  if (pid < 0) {
    result.err = absl::StrCat("fork: ", std::strerror(errno));
    return result;
  }
  if (pid == 0) {
    // The child of a threaded process: only async-signal-safe calls until exec.
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0 || chdir(dir_.path().c_str()) != 0) {
      _exit(126);
    }
    if (user.has_value() &&
        (setgroups(0, nullptr) != 0 || setgid(user->gid) != 0 || setuid(user->uid) != 0)) {
      _exit(126);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (done == pid) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  result.out = ReadAll(out);
  result.err = ReadAll(err);
  return result;
}

CommandResult LocalCluster::Cli(const std::vector<std::string>& args) {
  std::vector<std::string> quoted = {ShellQuote(Binary("client/hpo"))};
  for (const std::string& arg : args) quoted.push_back(ShellQuote(arg));
  if (!address_.empty()) {
    quoted.push_back("--coordinator");
    quoted.push_back(ShellQuote(address_));
  }
  return Shell(absl::StrJoin(quoted, " "));
}

absl::StatusOr<v1::Study> LocalCluster::WaitForStudy(const std::string& name,
                                                     std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  absl::StatusOr<v1::Study> study;
  while (std::chrono::steady_clock::now() < deadline) {
    study = client_->GetStudy(name);
    if (study.ok() && study->state() == v1::Study::COMPLETED) return study;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("study ", name, " not COMPLETED after ", timeout.count(),
                   " s; last: ", study.ok() ? study->DebugString() : study.status().ToString()));
}

}  // namespace hpo::testing
