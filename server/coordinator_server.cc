#include "server/coordinator_server.h"

#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api_limits.h"
#include "common/command_line.h"
#include "common/file_util.h"
#include "common/log_line.h"
#include "common/status_macros.h"
#include "server/storage/sqlite_storage.h"

namespace hpo::server {
namespace {

// The name the health service reports on besides "" (the server).
constexpr char kCoordinatorServiceName[] = "hpo.v1.Coordinator";

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:") || absl::StartsWith(address, "unix:");
}

constexpr int kMaxIdleThreads = 512;

// A port open to the network must not serve studies to whoever finds it.
absl::Status CheckExposure(absl::string_view flag, const std::string& address,
                           const ServerSecurity& security) {
  if (IsLoopback(address) || (security.tls && !security.token.empty())) return absl::OkStatus();
  if (!security.tls) {
    return absl::FailedPreconditionError(
        absl::StrCat(flag, " ", address,
                     ": only loopback addresses are served without TLS and a token; "
                     "give --tls-cert, --tls-key and --token-file to serve the network"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(flag, " ", address, ": serving the network needs --token-file as well as TLS"));
}

// Write then rename, so a reader never sees half an address.
void WriteAddressFile(const std::string& path, const std::string& address) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << address << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

absl::StatusOr<ServerSecurity> LoadServerSecurity(const ServerOptions& options) {
  ServerSecurity security;
  if (!options.token_file.empty()) {
    ASSIGN_OR_RETURN(security.token, ForFlag("--token-file", ReadTokenFile(options.token_file)));
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key must be given together");
  }
  if (options.tls_cert.empty()) {
    if (!options.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
    }
    security.credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions ssl;
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    ASSIGN_OR_RETURN(pair.cert_chain,
                     ForFlag("--tls-cert", ReadFileToString(options.tls_cert, "certificate")));
    ASSIGN_OR_RETURN(pair.private_key,
                     ForFlag("--tls-key", ReadFileToString(options.tls_key, "private key")));
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    if (!options.tls_client_ca.empty()) {
      ASSIGN_OR_RETURN(
          ssl.pem_root_certs,
          ForFlag("--tls-client-ca", ReadFileToString(options.tls_client_ca, "client CA")));
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    security.credentials = grpc::SslServerCredentials(ssl);
    security.tls = true;
  }
  RETURN_IF_ERROR(CheckExposure("--listen", options.listen, security));
  if (!options.http_listen.empty()) {
    RETURN_IF_ERROR(CheckExposure("--http", options.http_listen, security));
  }
  return security;
}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> CoordinatorServer::Start(
    const ServerOptions& options, ServerSecurity security) {
  std::unique_ptr<CoordinatorServer> self(new CoordinatorServer());
  ASSIGN_OR_RETURN(std::unique_ptr<Storage> storage, SqliteStorage::Open(options.db_path));
  Clock* clock = options.clock != nullptr ? options.clock : &self->system_clock_;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Open(std::move(storage), clock);
  if (!coordinator.ok()) {
    return absl::Status(
        coordinator.status().code(),
        absl::StrCat("cannot load ", options.db_path, ": ", coordinator.status().message()));
  }
  self->coordinator_ = *std::move(coordinator);
  // Loading a big study leaves freed memory between live objects: give it back.
  malloc_trim(0);
  self->service_ = std::make_unique<CoordinatorService>(self->coordinator_.get(), security.token);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, security.credentials, &port);
  // gRPC sets SO_REUSEPORT by default, so a second coordinator on a port in
  // use would start and take a share of the first one's calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Larger requests are refused (RESOURCE_EXHAUSTED) before parsing.
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  // Calls block while their change is committed, so with hundreds of
  // workers hundreds of calls wait at once. Keep that many idle threads:
  // otherwise gRPC ends them after each burst and starts new ones for the
  // next (with 200 clients, 64 idle threads gave p99 54 ms, 512 gave 41 ms).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxIdleThreads);
  builder.RegisterService(self->service_.get());
  // The standard grpc.health.v1 service, answered without a token (probes
  // carry none): SERVING for "" and for hpo.v1.Coordinator until Shutdown.
  grpc::EnableDefaultHealthCheckService(true);
  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen,
                                               " (is another process serving that port?)"));
  }
  self->server_->GetHealthCheckService()->SetServingStatus(kCoordinatorServiceName, true);
  self->address_ = WithPort(options.listen, port);
  if (!options.port_file.empty()) WriteAddressFile(options.port_file, self->address_);
  if (!options.http_listen.empty()) {
    HttpOptions http;
    http.listen = options.http_listen;
    http.tls_cert = options.tls_cert;
    http.tls_key = options.tls_key;
    http.tls_client_ca = options.tls_client_ca;
    http.token = security.token;
    ASSIGN_OR_RETURN(self->http_, HttpServer::Start(http, self->coordinator_.get()));
    if (!options.http_port_file.empty()) {
      WriteAddressFile(options.http_port_file, self->http_->address());
    }
  }
  CoordinatorServer* server = self.get();
  const auto interval = std::chrono::duration<double>(options.reclaim_interval_s);
  self->reaper_ = std::thread([server, interval] { server->ReapLoop(interval); });
  return self;
}

void CoordinatorServer::ReapLoop(std::chrono::duration<double> interval) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    absl::StatusOr<int> reclaimed = coordinator_->ReclaimExpiredLeases();
    if (!reclaimed.ok()) {
      LogLine() << "hpo-coordinator: reclaiming leases: " << reclaimed.status() << "\n";
    } else if (*reclaimed > 0) {
      LogLine() << "hpo-coordinator: " << *reclaimed << " trial(s) failed: lease expired\n";
    }
  }
}

void CoordinatorServer::Shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  if (http_ != nullptr) http_->Shutdown();
  if (server_ == nullptr) return;
  // NOT_SERVING while the last calls finish, so probes stop sending traffic.
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
}

}  // namespace hpo::server
