// The coordinator as a running server: flags -> ServerOptions -> a
// CoordinatorServer that owns the database, the gRPC server, the optional
// HTTP server and the lease reaper, so that serving, reaping and shutdown are tested in-process
// (tests/server/coordinator_server_test.cc). hpo-coordinator's main() only
// parses flags and waits for a signal.
#ifndef HPO_SERVER_COORDINATOR_SERVER_H_
#define HPO_SERVER_COORDINATOR_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/clock.h"
#include "server/coordinator.h"
#include "server/coordinator_service.h"
#include "server/http/http_server.h"

namespace hpo::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // port 0: any free port
  std::string db_path = "hpo.db";
  std::string port_file;  // written with the bound address once serving
  // HOST:PORT of the HTTP server (/metrics); empty: none. TLS and token as gRPC's.
  std::string http_listen;
  std::string http_port_file;  // as port_file, for http_listen
  std::string token_file;
  std::string tls_cert, tls_key, tls_client_ca;
  double reclaim_interval_s = 1.0;  // between checks for expired leases
  Clock* clock = nullptr;           // not owned; null: the system clock
};

struct ServerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  bool tls = false;
  std::string token;
};

// TLS and token from the options' files. Anything but loopback (gRPC's or
// HTTP's) needs both. Errors name the flag (--tls-cert, ...).
absl::StatusOr<ServerSecurity> LoadServerSecurity(const ServerOptions& options);

class CoordinatorServer {
 public:
  // Opens the database, serves on options.listen and starts the reaper.
  static absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(const ServerOptions& options,
                                                                  ServerSecurity security);
  ~CoordinatorServer() { Shutdown(std::chrono::milliseconds(0)); }

  // HOST:PORT actually bound.
  const std::string& address() const { return address_; }
  // HOST:PORT the HTTP server bound; empty without one.
  std::string http_address() const { return http_ ? http_->address() : ""; }
  Coordinator& coordinator() { return *coordinator_; }

  // Stops the reaper, then the server: calls in flight get `grace` to finish.
  // Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  CoordinatorServer() = default;
  void ReapLoop(std::chrono::duration<double> interval);

  SystemClock system_clock_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<CoordinatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> http_;
  std::string address_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_COORDINATOR_SERVER_H_
