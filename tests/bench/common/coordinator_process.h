// A real hpo-coordinator for the benchmarks, on 127.0.0.1 with a fresh
// database; its pid is exposed so that a benchmark can read the
// coordinator's CPU time and resident memory from /proc.
#ifndef HPO_TESTS_BENCH_COMMON_COORDINATOR_PROCESS_H_
#define HPO_TESTS_BENCH_COMMON_COORDINATOR_PROCESS_H_

#include <sys/types.h>

#include <string>

namespace hpo::bench {

// What /proc says about a process; zeros when it cannot be read.
struct ProcessUsage {
  double cpu_seconds = 0;  // user + system
  double rss_mb = 0;       // VmRSS
  double peak_rss_mb = 0;  // VmHWM
};

ProcessUsage ReadUsage(pid_t pid);

// Starts `binary --listen 127.0.0.1:0 --db <dir>/load.db` and waits until it
// serves. `dir` empty: a fresh directory under `temp_base` (default $TMPDIR,
// else /tmp), removed on destruction; otherwise `dir` is created if needed
// and kept. The load benchmark keeps the database on disk (it measures
// durable writes); the TPE benchmarks put it in /dev/shm (they measure the
// sampler, and fsync on tmpfs costs nothing).
// Throws std::runtime_error when the coordinator does not start. Not
// thread-safe; the accessors may be called from any thread once constructed.
class CoordinatorProcess {
 public:
  CoordinatorProcess(const std::string& binary, const std::string& dir,
                     const std::string& temp_base = "");
  ~CoordinatorProcess();  // SIGTERM, then waits
  CoordinatorProcess(const CoordinatorProcess&) = delete;
  CoordinatorProcess& operator=(const CoordinatorProcess&) = delete;

  const std::string& address() const { return address_; }
  const std::string& db_path() const { return db_path_; }
  pid_t pid() const { return pid_; }
  ProcessUsage Usage() const { return ReadUsage(pid_); }

 private:
  pid_t pid_ = -1;
  bool remove_dir_ = false;
  std::string dir_;
  std::string db_path_;
  std::string address_;
};

}  // namespace hpo::bench

#endif  // HPO_TESTS_BENCH_COMMON_COORDINATOR_PROCESS_H_
