// hpo-worker: trains the trials a coordinator hands out.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "worker/worker.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

std::string DefaultCoordinator() {
  const char* env = std::getenv("HPO_COORDINATOR");
  return env != nullptr && *env != '\0' ? env : "127.0.0.1:50051";
}

std::string DefaultWorkerId() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "-", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hpo-worker: trains trials handed out by an hpo coordinator"};
  std::string coordinator = DefaultCoordinator();
  hpo::worker::WorkerOptions options;
  options.worker_id = DefaultWorkerId();
  app.add_option("--coordinator", coordinator, "Coordinator address (env HPO_COORDINATOR)")
      ->capture_default_str();
  app.add_option("--worker-id", options.worker_id, "Name of this worker in trial records")
      ->capture_default_str();
  app.add_option("--study", options.study_name, "Only take trials of this study");
  app.add_option("--max-trials", options.max_trials, "Exit after this many trials (0: never)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--exit-when-idle", options.exit_when_idle_s,
                 "Exit after this many seconds without a trial to run (0: never)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  auto channel = grpc::CreateChannel(coordinator, grpc::InsecureChannelCredentials());
  auto stub = hpo::v1::Coordinator::NewStub(channel);
  hpo::worker::Worker worker(stub.get(), options);
  std::cerr << "hpo-worker " << options.worker_id << ": coordinator " << coordinator << "\n";
  absl::Status status = worker.Run(g_stop);
  if (!status.ok()) {
    std::cerr << "hpo-worker " << options.worker_id << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}
