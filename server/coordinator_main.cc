// hpo-coordinator: serves the hpo.v1 API on one address, keeping every study
// in one SQLite file.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/coordinator.h"
#include "server/coordinator_service.h"
#include "server/storage/sqlite_storage.h"

namespace {

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:") || absl::StartsWith(address, "unix:");
}

// Blocks SIGINT and SIGTERM in every thread and waits for one of them.
class SignalWaiter {
 public:
  SignalWaiter() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  int Wait() {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }

 private:
  sigset_t set_;
};

}  // namespace

int main(int argc, char** argv) {
  SignalWaiter signals;  // before any thread starts, so all inherit the mask
  CLI::App app{"hpo-coordinator: the hyperparameter search service"};
  std::string listen = "127.0.0.1:50051";
  std::string db_path = "hpo.db";
  std::string port_file;
  double reclaim_interval_s = 1.0;
  app.add_option("--listen", listen,
                 "Address to serve on; port 0 picks a free port. Only loopback unless told "
                 "otherwise.")
      ->capture_default_str();
  app.add_option("--db", db_path, "SQLite database file (created if absent)")
      ->capture_default_str();
  app.add_option("--port-file", port_file,
                 "Write the address actually bound to this file once serving");
  app.add_option("--reclaim-interval", reclaim_interval_s,
                 "Seconds between checks for expired leases")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto storage = hpo::server::SqliteStorage::Open(db_path);
  if (!storage.ok()) {
    std::cerr << "hpo-coordinator: " << storage.status().message() << "\n";
    return 1;
  }
  hpo::server::SystemClock clock;
  auto coordinator = hpo::server::Coordinator::Open(*std::move(storage), &clock);
  if (!coordinator.ok()) {
    std::cerr << "hpo-coordinator: cannot load " << db_path << ": "
              << coordinator.status().message() << "\n";
    return 1;
  }
  hpo::server::CoordinatorService service(coordinator->get());

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "hpo-coordinator: cannot listen on " << listen << "\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  const std::string bound = absl::StrCat(host, ":", port);
  if (!IsLoopback(listen)) {
    std::cerr << "hpo-coordinator: warning: serving " << bound
              << " without TLS or authentication; anyone who can reach it can use it\n";
  }
  if (!port_file.empty()) {
    // Write then rename, so a reader never sees half an address.
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::cerr << "hpo-coordinator: serving on " << bound << ", database " << db_path << "\n";

  std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread reaper([&] {
    std::unique_lock<std::mutex> lock(mu);
    const auto interval = std::chrono::duration<double>(reclaim_interval_s);
    while (!stop_cv.wait_for(lock, interval, [&] { return stopping; })) {
      auto reclaimed = (*coordinator)->ReclaimExpiredLeases();
      if (!reclaimed.ok()) {
        std::cerr << "hpo-coordinator: reclaiming leases: " << reclaimed.status() << "\n";
      } else if (*reclaimed > 0) {
        std::cerr << "hpo-coordinator: " << *reclaimed << " trial(s) failed: lease expired\n";
      }
    }
  });

  int signal = signals.Wait();
  std::cerr << "hpo-coordinator: signal " << signal << ", shutting down\n";
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
  }
  stop_cv.notify_all();
  reaper.join();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
