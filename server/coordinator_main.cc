// hpo-coordinator: serves the hpo.v1 API on one address, keeping every study
// in one SQLite file.
#include <grpcpp/grpcpp.h>
#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/api_limits.h"
#include "common/command_line.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "server/coordinator.h"
#include "server/coordinator_service.h"
#include "server/storage/sqlite_storage.h"

namespace {

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:") || absl::StartsWith(address, "unix:");
}

constexpr int kMaxIdleThreads = 512;

struct ServerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  bool tls = false;
  std::string token;
};

// TLS and token from the flags. Anything but loopback needs both: a port open
// to the network must not serve studies to whoever finds it.
absl::StatusOr<ServerSecurity> LoadSecurity(const std::string& listen,
                                            const std::string& token_file,
                                            const std::string& tls_cert, const std::string& tls_key,
                                            const std::string& tls_client_ca) {
  ServerSecurity security;
  if (!token_file.empty()) {
    ASSIGN_OR_RETURN(security.token, hpo::ForFlag("--token-file", hpo::ReadTokenFile(token_file)));
  }
  if (tls_cert.empty() != tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key must be given together");
  }
  if (tls_cert.empty()) {
    if (!tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (!IsLoopback(listen)) {
      return absl::FailedPreconditionError(
          absl::StrCat("--listen ", listen,
                       ": only loopback addresses are served without TLS and a token; "
                       "give --tls-cert, --tls-key and --token-file to serve the network"));
    }
    security.credentials = grpc::InsecureServerCredentials();
    return security;
  }
  if (security.token.empty() && !IsLoopback(listen)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--listen ", listen, ": serving the network needs --token-file as well as TLS"));
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain,
                   hpo::ForFlag("--tls-cert", hpo::ReadFileToString(tls_cert, "certificate")));
  ASSIGN_OR_RETURN(pair.private_key,
                   hpo::ForFlag("--tls-key", hpo::ReadFileToString(tls_key, "private key")));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls_client_ca.empty()) {
    ASSIGN_OR_RETURN(
        ssl.pem_root_certs,
        hpo::ForFlag("--tls-client-ca", hpo::ReadFileToString(tls_client_ca, "client CA")));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  security.credentials = grpc::SslServerCredentials(ssl);
  security.tls = true;
  return security;
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
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles, a
  // debug aid that costs a graph update per lock (gRPC's locks included). The
  // coordinator takes its locks in one order: its own, then the commit queue's.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"hpo-coordinator: the hyperparameter search service"};
  std::string listen = "127.0.0.1:50051";
  std::string db_path = "hpo.db";
  std::string port_file;
  std::string token_file;
  std::string tls_cert, tls_key, tls_client_ca;
  double reclaim_interval_s = 1.0;
  app.add_option("--listen", listen,
                 "Address to serve on; port 0 picks a free port. Only loopback unless told "
                 "otherwise.")
      ->capture_default_str()
      ->check(hpo::AddressCheck(/*min_port=*/0));
  app.add_option("--db", db_path, "SQLite database file (created if absent)")
      ->capture_default_str();
  app.add_option("--port-file", port_file,
                 "Write the address actually bound to this file once serving");
  app.add_option("--token-file", token_file,
                 "Require this bearer token (the file's one word) on every call");
  app.add_option("--tls-cert", tls_cert, "Serve TLS with this certificate chain (PEM)");
  app.add_option("--tls-key", tls_key, "Private key (PEM) of --tls-cert");
  app.add_option("--tls-client-ca", tls_client_ca,
                 "Require client certificates signed by this CA (PEM)");
  app.add_option("--reclaim-interval", reclaim_interval_s,
                 "Seconds between checks for expired leases")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  if (std::optional<int> exit_code = hpo::ParseCommandLine(app, argc, argv, "hpo-coordinator")) {
    return *exit_code;
  }

  absl::StatusOr<ServerSecurity> security =
      LoadSecurity(listen, token_file, tls_cert, tls_key, tls_client_ca);
  if (!security.ok()) {
    std::cerr << "hpo-coordinator: " << security.status().message() << "\n";
    return 2;
  }
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
  // Loading a big study leaves freed memory between live objects: give it back.
  malloc_trim(0);
  hpo::server::CoordinatorService service(coordinator->get(), security->token);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, security->credentials, &port);
  // gRPC sets SO_REUSEPORT by default, so a second coordinator on a port in
  // use would start and take a share of the first one's calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Larger requests are refused (RESOURCE_EXHAUSTED) before parsing.
  builder.SetMaxReceiveMessageSize(hpo::kMaxRequestBytes);
  // Calls block while their change is committed, so with hundreds of
  // workers hundreds of calls wait at once. Keep that many idle threads:
  // otherwise gRPC ends them after each burst and starts new ones for the
  // next (with 200 clients, 64 idle threads gave p99 54 ms, 512 gave 41 ms).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxIdleThreads);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "hpo-coordinator: cannot listen on " << listen
              << " (is another process serving that port?)\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  const std::string bound = absl::StrCat(host, ":", port);
  if (!port_file.empty()) {
    // Write then rename, so a reader never sees half an address.
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::cerr << "hpo-coordinator: serving on " << bound << " ("
            << (security->tls ? "TLS" : "plaintext, loopback only") << ", "
            << (security->token.empty() ? "no token" : "bearer token required") << "), database "
            << db_path << "\n";

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
