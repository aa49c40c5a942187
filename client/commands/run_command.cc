// hpo run --spec FILE --workers N: the quickstart. Starts a coordinator on a
// free loopback port and N workers, runs the study to the end, prints the best
// trial and stops them all.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/child_process.h"
#include "client/commands/commands.h"
#include "client/interrupts.h"
#include "client/study_watcher.h"
#include "client/trial_format.h"
#include "common/available_cpus.h"
#include "common/command_line.h"
#include "common/coordinator_client.h"
#include "common/file_util.h"
#include "common/log_line.h"
#include "common/spec_loader.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

// A stopped worker ends its epoch and gives its trial back; one that takes
// longer, or is still at it at a second Ctrl-C, is killed, and its trial comes
// back when its lease expires.
constexpr std::chrono::seconds kWorkerGrace(30);

struct RunOptions {
  std::string spec_path;
  int64_t workers = 2;
  int64_t threads = 1;  // each worker's --threads
  std::string db_path = "hpo.db";
  std::string log_dir = "hpo-logs";
  std::string http = "127.0.0.1:0";  // the dashboard; "" for none
};

// ": " and the last line written to the log at `path` after its first
// `offset` bytes (the log is appended to, run after run), which says why a
// program exited, without its time and "program: " prefix; "" when there is none.
std::string LastLogLine(const std::string& path, uintmax_t offset) {
  absl::StatusOr<std::string> log = ReadFileToString(path, "log");
  if (!log.ok() || log->size() <= offset) return "";
  absl::string_view text =
      absl::StripTrailingAsciiWhitespace(absl::string_view(*log).substr(offset));
  absl::string_view line = LogLine::WithoutTimestamp(text.substr(text.rfind('\n') + 1));
  absl::ConsumePrefix(&line, "hpo-coordinator: ");
  return line.empty() ? "" : absl::StrCat(": ", line);
}

// Waits for the coordinator to write the address it bound; its log had
// `log_offset` bytes before it started.
absl::StatusOr<std::string> WaitForAddress(const std::string& port_file, ChildProcess& coordinator,
                                           const std::string& log_path, uintmax_t log_offset) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    std::string address;
    if (in >> address && !address.empty()) return address;
    if (!coordinator.Running()) {
      return absl::FailedPreconditionError(absl::StrCat("the coordinator exited at start",
                                                        LastLogLine(log_path, log_offset),
                                                        " (log: ", log_path, ")"));
    }
    if (Interrupts() > 0) return absl::CancelledError("interrupted while the coordinator started");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the coordinator did not start within 30 s; see ", log_path));
}

absl::Status Run(const RunOptions& options) {
  namespace fs = std::filesystem;
  ASSIGN_OR_RETURN(v1::StudySpec spec, LoadStudySpecFile(options.spec_path));
  if (!spec.has_task()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.spec_path,
                     ": task: hpo run needs a task for its workers to train; for an "
                     "ask/tell study start hpo-coordinator and use hpo ask / hpo tell"));
  }
  ASSIGN_OR_RETURN(std::string coordinator_bin, FindProgram("hpo-coordinator"));
  ASSIGN_OR_RETURN(std::string worker_bin, FindProgram("hpo-worker"));
  std::error_code error;
  fs::create_directories(options.log_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("--log-dir: cannot create ", options.log_dir, ": ", error.message()));
  }
  const std::string port_file = (fs::path(options.log_dir) / "coordinator.address").string();
  const std::string http_port_file = (fs::path(options.log_dir) / "dashboard.address").string();
  fs::remove(port_file, error);
  fs::remove(http_port_file, error);
  const std::string coordinator_log = (fs::path(options.log_dir) / "coordinator.log").string();
  const uintmax_t log_offset =
      fs::exists(coordinator_log, error) ? fs::file_size(coordinator_log, error) : 0;
  InstallInterruptHandlers();  // before any child starts: see interrupts.h
  std::vector<std::string> coordinator_args = {coordinator_bin, "--listen",      "127.0.0.1:0",
                                               "--db",          options.db_path, "--port-file",
                                               port_file};
  if (!options.http.empty()) {
    coordinator_args.insert(coordinator_args.end(),
                            {"--http", options.http, "--http-port-file", http_port_file});
  }
  ASSIGN_OR_RETURN(ChildProcess coordinator,
                   ChildProcess::Start(coordinator_args, coordinator_log));
  ASSIGN_OR_RETURN(std::string address,
                   WaitForAddress(port_file, coordinator, coordinator_log, log_offset));
  std::cout << "coordinator on " << address << ", database " << options.db_path << ", logs in "
            << options.log_dir << "/" << std::endl;
  if (!options.http.empty()) {  // written after the gRPC address
    ASSIGN_OR_RETURN(std::string http,
                     WaitForAddress(http_port_file, coordinator, coordinator_log, log_offset));
    std::cout << "dashboard: http://" << http << "/#/study/" << spec.name() << std::endl;
  }

  CoordinatorClient client(address);
  ASSIGN_OR_RETURN(v1::Study study, client.CreateStudy(spec, /*load_if_exists=*/true));
  std::cout << "study \"" << spec.name() << "\": " << spec.max_trials() << " trials, "
            << study.spec().sampler().type() << " sampler (seed " << study.spec().sampler().seed()
            << "), " << options.workers << " workers"
            << (options.threads > 1 ? absl::StrCat(" x ", options.threads, " threads") : "")
            << std::endl;
  if (const int cpus = AvailableCpus(); options.workers * options.threads > cpus) {
    std::cout << "note: " << options.workers * options.threads << " training threads on " << cpus
              << " CPUs: no faster than " << cpus << "; fewer --workers or --threads would do"
              << std::endl;
  }

  std::vector<ChildProcess> workers;
  for (int i = 0; i < options.workers; ++i) {
    const std::string id = absl::StrCat("worker-", i);
    ASSIGN_OR_RETURN(
        ChildProcess worker,
        ChildProcess::Start({worker_bin, "--coordinator", address, "--study", spec.name(),
                             "--worker-id", id, "--threads", absl::StrCat(options.threads)},
                            (fs::path(options.log_dir) / (id + ".log")).string()));
    workers.push_back(std::move(worker));
  }

  auto keep_going = [&] {
    if (Interrupts() > 0) return false;
    for (ChildProcess& worker : workers) {
      if (worker.Running()) return true;
    }
    return false;
  };
  ASSIGN_OR_RETURN(study, WatchStudy(client, spec.name(), std::cout, keep_going,
                                     std::chrono::milliseconds(500)));
  if (Interrupts() > 0) {
    std::cout << "interrupted: stopping the workers (Ctrl-C again to kill them)" << std::endl;
    ChildProcess::StopAll(workers, kWorkerGrace, [] { return Interrupts() > 1; });
    ASSIGN_OR_RETURN(study, client.GetStudy(spec.name()));
  }
  // An unfinished study is an error (exit 130 after Ctrl-C, else 1), so that
  // a script can tell; the best trial so far is printed all the same.
  absl::Status unfinished;
  if (study.state() == v1::Study::RUNNING) {
    constexpr absl::string_view kGoOn =
        ": the study is not finished; run the same command again to go on";
    unfinished = Interrupts() > 0
                     ? absl::CancelledError(absl::StrCat("interrupted", kGoOn))
                     : absl::AbortedError(absl::StrCat("every worker exited (see the logs in ",
                                                       options.log_dir, ")", kGoOn));
  }
  absl::StatusOr<v1::Trial> best = client.GetBestTrial(spec.name());
  if (best.ok()) {
    std::cout << "\nbest trial of \"" << spec.name() << "\":\n";
    PrintTrial(*best, study.spec(), Format::kTable, std::cout);
  } else if (unfinished.ok()) {
    return best.status();
  }
  return unfinished;
}

}  // namespace

void AddRunCommand(CLI::App& app, const GlobalOptions&, Action* action) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run", "Run a study locally: a coordinator, N workers, then print the best trial");
  run->add_option("--spec", options->spec_path, "Study spec file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  AddParsedOption(*run, "--workers", &options->workers, "Worker processes to start",
                  [](absl::string_view text) { return ParseInteger(text, 1, 256); })
      ->default_str(std::to_string(options->workers));
  AddParsedOption(*run, "--threads", &options->threads,
                  "Threads each worker trains a trial on (hpo-worker --threads)",
                  [](absl::string_view text) { return ParseInteger(text, 1, 256); })
      ->default_str(std::to_string(options->threads));
  run->add_option("--db", options->db_path, "SQLite database file (kept; re-running resumes)")
      ->capture_default_str();
  run->add_option("--log-dir", options->log_dir, "Where the coordinator and workers log")
      ->capture_default_str();
  run->add_option("--http", options->http,
                  "Serve the web dashboard on HOST:PORT (port 0: any free one; \"\": none)")
      ->capture_default_str();
  run->callback([options, action] { *action = [options] { return Run(*options); }; });
}

}  // namespace hpo::client
