#include "tests/bench/common/coordinator_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hpo::bench {
namespace {

// The "VmRSS:   1234 kB" line of /proc/<pid>/status, in MB.
double StatusMb(const std::string& status, const std::string& key) {
  const size_t at = status.find(key + ":");
  if (at == std::string::npos) return 0;
  return std::strtod(status.c_str() + at + key.size() + 1, nullptr) / 1024;
}

}  // namespace

ProcessUsage ReadUsage(pid_t pid) {
  ProcessUsage usage;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(proc + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
  // Fields after the command name, which is in parentheses and may hold
  // spaces: state is field 3, utime and stime are fields 14 and 15.
  const size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::strtod(field.c_str(), nullptr);
      if (i == 15) stime = std::strtod(field.c_str(), nullptr);
    }
    usage.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status_file(proc + "/status");
  std::string status((std::istreambuf_iterator<char>(status_file)), {});
  usage.rss_mb = StatusMb(status, "VmRSS");
  usage.peak_rss_mb = StatusMb(status, "VmHWM");
  return usage;
}

CoordinatorProcess::CoordinatorProcess(const std::string& binary, const std::string& dir,
                                       const std::string& temp_base) {
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string base =
        !temp_base.empty() ? temp_base : (tmp != nullptr && *tmp ? tmp : "/tmp");
    std::string pattern = base + "/hpo-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    remove_dir_ = true;
  } else {
    dir_ = dir;
    std::filesystem::create_directories(dir_);
  }
  db_path_ = dir_ + "/load.db";
  if (std::filesystem::exists(db_path_)) {
    throw std::runtime_error(db_path_ + " exists; the benchmark wants a fresh database");
  }
  const std::string port_file = dir_ + "/address";
  std::filesystem::remove(port_file);
  std::vector<std::string> args = {binary,   "--listen",    "127.0.0.1:0", "--db",
                                   db_path_, "--port-file", port_file};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, (dir_ + "/coordinator.log").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> address_) return;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(binary + " exited at start; see " + dir_ + "/coordinator.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGTERM);  // the destructor does not run when the constructor throws
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  throw std::runtime_error("hpo-coordinator did not report its address within 30 s");
}

CoordinatorProcess::~CoordinatorProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (remove_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

}  // namespace hpo::bench
