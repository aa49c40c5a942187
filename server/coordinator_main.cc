// hpo-coordinator: serves the hpo.v1 API on one address, keeping every study
// in one SQLite file.
#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "common/command_line.h"
#include "common/log_line.h"
#include "server/coordinator_server.h"

namespace {

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
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles, a
  // debug aid that costs a graph update per lock (gRPC's locks included). The
  // coordinator takes its locks in one order: its own, then the commit queue's.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc gives each thread that allocates its own heap arena, up to 8 per
  // core, and keeps what is freed in each: 16 HTTP threads that each built a
  // 5 MB page of trials once held 750 MB; one arena per core, 300 MB
  // (tests/bench/dashboard/run.sh).
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  CLI::App app{"hpo-coordinator: the hyperparameter search service"};
  hpo::server::ServerOptions options;
  app.add_option("--listen", options.listen,
                 "Address to serve on; port 0 picks a free port. Only loopback unless told "
                 "otherwise.")
      ->capture_default_str()
      ->check(hpo::AddressCheck(/*min_port=*/0));
  app.add_option("--http", options.http_listen,
                 "Also serve HTTP (/metrics for Prometheus) on this address, e.g. "
                 "127.0.0.1:8080, with the same TLS and token as gRPC")
      ->check(hpo::AddressCheck(/*min_port=*/0));
  app.add_option("--http-port-file", options.http_port_file,
                 "Write the HTTP address actually bound to this file once serving");
  app.add_option("--db", options.db_path, "SQLite database file (created if absent)")
      ->capture_default_str();
  app.add_option("--port-file", options.port_file,
                 "Write the address actually bound to this file once serving");
  app.add_option("--token-file", options.token_file,
                 "Require this bearer token (the file's one word) on every call");
  app.add_option("--tls-cert", options.tls_cert, "Serve TLS with this certificate chain (PEM)");
  app.add_option("--tls-key", options.tls_key, "Private key (PEM) of --tls-cert");
  app.add_option("--tls-client-ca", options.tls_client_ca,
                 "Require client certificates signed by this CA (PEM)");
  app.add_option("--reclaim-interval", options.reclaim_interval_s,
                 "Seconds between checks for expired leases")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  if (std::optional<int> exit_code = hpo::ParseCommandLine(app, argc, argv, "hpo-coordinator")) {
    return *exit_code;
  }

  absl::StatusOr<hpo::server::ServerSecurity> security = hpo::server::LoadServerSecurity(options);
  if (!security.ok()) {
    hpo::LogLine() << "hpo-coordinator: " << security.status().message() << "\n";
    return 2;
  }
  const bool tls = security->tls;
  const bool token = !security->token.empty();
  absl::StatusOr<std::unique_ptr<hpo::server::CoordinatorServer>> server =
      hpo::server::CoordinatorServer::Start(options, *std::move(security));
  if (!server.ok()) {
    hpo::LogLine() << "hpo-coordinator: " << server.status().message() << "\n";
    return 1;
  }
  hpo::LogLine() << "hpo-coordinator: serving on " << (*server)->address() << " ("
                 << (tls ? "TLS" : "plaintext, loopback only") << ", "
                 << (token ? "bearer token required" : "no token") << "), database "
                 << options.db_path << "\n";
  if (!(*server)->http_address().empty()) {
    hpo::LogLine() << "hpo-coordinator: HTTP on " << (tls ? "https://" : "http://")
                   << (*server)->http_address() << "/metrics\n";
  }
  int signal = signals.Wait();
  hpo::LogLine() << "hpo-coordinator: signal " << signal << ", shutting down\n";
  (*server)->Shutdown(std::chrono::seconds(2));
  return 0;
}
