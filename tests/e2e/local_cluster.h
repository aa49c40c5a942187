// Real hpo processes for end-to-end tests: a coordinator on a free loopback
// port with a database in a temp dir, workers, and the hpo CLI. The binaries
// come from the build tree named by $HPO_BUILD_DIR (set by CTest).
#ifndef HPO_TESTS_E2E_LOCAL_CLUSTER_H_
#define HPO_TESTS_E2E_LOCAL_CLUSTER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "client/child_process.h"
#include "common/coordinator_client.h"
#include "tests/temp_dir.h"

namespace hpo::testing {

// The StudySpec of a spec file's text; a test failure if it does not parse.
v1::StudySpec ParseSpec(const std::string& yaml);

// A spec whose trials last about a second (100 epochs of some 10 ms), so that
// a signal, a stop or a drain lands in the middle of one.
std::string LongTrialsSpec(const std::string& name, int max_trials);

// Polls `done` every 50 ms until it holds or `timeout` passes.
template <typename Done>
bool PollUntil(Done done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Who RunAs runs a command as; switching to another user needs root.
struct User {
  uid_t uid;
  gid_t gid;
};

class LocalCluster {
 public:
  LocalCluster();

  // Starts the coordinator on `port` (0: any free port) and waits until it
  // serves. The database is always the same file.
  absl::Status StartCoordinator(int port = 0, const std::vector<std::string>& extra_args = {});
  // SIGKILL: no chance to clean up, as when a machine dies.
  void KillCoordinator();
  void StopCoordinator();
  absl::Status StartWorker(const std::string& id, const std::vector<std::string>& extra_args = {});
  void StopWorkers();
  // How many of the workers started are still running.
  int RunningWorkers();
  // SIGKILLs the index-th worker started, then starts a new one in its place.
  void KillWorker(size_t index);
  absl::Status RestartWorker(size_t index, const std::string& id,
                             const std::vector<std::string>& extra_args = {});

  // Runs `hpo ARGS --coordinator ADDRESS` (once a coordinator runs) to completion.
  CommandResult Cli(const std::vector<std::string>& args);
  // Runs a shell command line to completion (for tools such as openssl).
  CommandResult Shell(const std::string& command);
  // Runs argv to completion as `user` (nullopt: as this process), without a
  // shell, from the temp dir. SIGKILLs it after `timeout` (exit_code -1 then).
  CommandResult RunAs(const std::vector<std::string>& argv, std::optional<User> user,
                      std::chrono::seconds timeout);
  // Coordinators started from now on get RLIMIT_FSIZE `bytes` (nullopt: this
  // process's limit) with SIGXFSZ ignored, so that a write past the limit
  // fails with EFBIG, as on a full disk, instead of killing the coordinator.
  void set_coordinator_file_size_limit(std::optional<int64_t> bytes) {
    coordinator_file_size_limit_ = bytes;
  }
  // Passed to the coordinator's clients: set before StartCoordinator.
  void set_connection(std::string token, std::shared_ptr<grpc::ChannelCredentials> credentials) {
    token_ = std::move(token);
    credentials_ = std::move(credentials);
  }
  // Polls until the study is COMPLETED, or fails after `timeout`.
  absl::StatusOr<v1::Study> WaitForStudy(const std::string& name,
                                         std::chrono::seconds timeout);

  CoordinatorClient& client() { return *client_; }
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  std::string db_path() const { return dir_.File("hpo.db"); }
  // Writes `text` to a file in the temp dir and returns its path.
  std::string WriteFile(const std::string& name, const std::string& text);
  std::string WorkerLog(const std::string& id) const { return dir_.File(id + ".log"); }
  std::string CoordinatorLog() const { return dir_.File("coordinator.log"); }
  std::string File(const std::string& name) const { return dir_.File(name); }
  const std::string& dir() const { return dir_.path(); }
  // A program in the build tree, e.g. "server/hpo-coordinator".
  std::string Binary(const std::string& relative) const;

 private:
  // hpo-worker `id` on this cluster's coordinator, logging to WorkerLog(id).
  absl::StatusOr<client::ChildProcess> LaunchWorker(const std::string& id,
                                                    const std::vector<std::string>& extra_args);

  TempDir dir_;
  std::string build_dir_;
  std::optional<client::ChildProcess> coordinator_;
  std::vector<client::ChildProcess> workers_;
  std::string address_;
  int port_ = 0;
  std::unique_ptr<CoordinatorClient> client_;
  int commands_run_ = 0;
  std::string token_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::optional<int64_t> coordinator_file_size_limit_;
};

}  // namespace hpo::testing

#endif  // HPO_TESTS_E2E_LOCAL_CLUSTER_H_
