// hpo-worker: trains the trials a coordinator hands out.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/available_cpus.h"
#include "common/command_line.h"
#include "common/connection.h"
#include "common/log_line.h"
#include "worker/engine/trainer.h"
#include "worker/openmp_waits.h"
#include "worker/run_once.h"
#include "worker/worker.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

std::string DefaultWorkerId() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "-", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hpo-worker: trains trials handed out by an hpo coordinator"};
  hpo::ConnectionFlags connection_flags;
  hpo::AddConnectionFlags(app, &connection_flags);
  hpo::worker::WorkerOptions options;
  options.worker_id = DefaultWorkerId();
  app.add_option("--worker-id", options.worker_id, "Name of this worker in trial records")
      ->capture_default_str();
  app.add_option("--study", options.study_name, "Only take trials of this study");
  hpo::AddParsedOption(app, "--max-trials", &options.max_trials,
                       "Exit after this many trials (0: never)",
                       [](absl::string_view text) { return hpo::ParseInteger(text, 0); });
  std::vector<std::string> data_roots;
  app.add_option("--data-root", data_roots,
                 "A directory a study's data may be read from (repeatable; default: the working "
                 "directory, unless it is /, and /usr/share/datasets/fashion-mnist)");
  hpo::AddParsedOption(app, "--max-data-bytes", &options.max_data_bytes,
                       "The largest data file read, in bytes (also the most an IDX file holds "
                       "decompressed)",
                       [](absl::string_view text) { return hpo::ParseInteger(text, 1); });
  hpo::AddParsedOption(app, "--exit-when-idle", &options.exit_when_idle_s,
                       "Exit after this many seconds without a trial to run (0: never)",
                       [](absl::string_view text) {
                         // A year at most (0 is "never"); inf would overflow the clock.
                         return hpo::ParseNumberInRange(text, 0, 365 * 24 * 3600);
                       });
  const auto parse_threads = [](absl::string_view text) {
    return hpo::ParseInteger(text, 1, hpo::engine::kMaxTrainThreads);
  };
  const std::string threads_help =
      "Threads for training one trial (intra-op, as torch.set_num_threads; results differ from "
      "one thread's only by float rounding)";
  hpo::AddParsedOption(app, "--threads", &options.threads, threads_help, parse_threads)
      ->capture_default_str();
  // Without a subcommand, hpo-worker runs the worker loop with the options
  // above; `run-once` trains one configuration locally instead.
  CLI::App* run_once = app.add_subcommand(
      "run-once", "Train one configuration of a spec's task locally (no coordinator)");
  std::string spec_path;
  std::vector<std::string> assignments;
  run_once->add_option("--spec", spec_path, "Study spec file (YAML)")->required();
  run_once->add_option("--set", assignments,
                       "NAME=VALUE for a searched parameter (repeatable); unset parameters take "
                       "the middle of their range or their first choice");
  hpo::AddParsedOption(*run_once, "--threads", &options.threads, threads_help, parse_threads);
  app.require_subcommand(0, 1);
  if (std::optional<int> exit_code = hpo::ParseCommandLine(app, argc, argv, "hpo-worker")) {
    return *exit_code;
  }
  hpo::worker::ExecWithPassiveOpenMpWaits(options.threads, argv);
  if (const int cpus = hpo::AvailableCpus(); options.threads > cpus) {
    hpo::LogLine() << "hpo-worker: --threads " << options.threads << " is more than the " << cpus
                   << " CPUs this process may use: training is no faster than on " << cpus << "\n";
  }
  if (run_once->parsed())
    return hpo::worker::RunOnce(spec_path, assignments, options.threads, std::cout, std::cerr);

  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  absl::StatusOr<hpo::Connection> connection = hpo::ResolveConnection(connection_flags);
  if (!connection.ok()) {
    hpo::LogLine() << "hpo-worker: " << connection.status().message() << "\n";
    return 1;
  }
  options.coordinator_address = connection->address;
  options.token = connection->token;
  options.tls = connection->tls;
  absl::StatusOr<hpo::worker::DataRoots> roots = hpo::worker::DataRoots::Create(
      data_roots.empty() ? hpo::worker::DataRoots::Defaults() : data_roots);
  if (!roots.ok()) {
    hpo::LogLine() << "hpo-worker: " << roots.status().message() << "\n";
    return 2;
  }
  options.data_roots = *std::move(roots);
  hpo::worker::Worker worker(hpo::MakeChannel(*connection), options);
  hpo::LogLine() << "hpo-worker " << options.worker_id << ": coordinator " << connection->address
                 << ", data roots: "
                 << (options.data_roots.roots().empty()
                         ? "none"
                         : absl::StrJoin(options.data_roots.roots(), ", "))
                 << "\n";
  absl::Status status = worker.Run(g_stop);
  if (!status.ok()) {
    hpo::LogLine() << "hpo-worker " << options.worker_id << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}
