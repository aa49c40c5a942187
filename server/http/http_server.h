// The coordinator's HTTP side (`hpo-coordinator --http HOST:PORT`): read-only
// the web dashboard (its page, /api/ JSON) and GET /metrics (Prometheus). It uses
// the gRPC side's certificate and bearer token, runs on a small thread pool
// of its own and reads only the coordinator's summaries, so a busy scraper
// never takes threads or locks that gRPC calls need for long.
//
// cpp-httplib (Debian's libcpp-httplib-dev): a small, maintained library
// with TLS through OpenSSL and a bounded thread pool, which is all this needs.
#ifndef HPO_SERVER_HTTP_HTTP_SERVER_H_
#define HPO_SERVER_HTTP_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/coordinator.h"

namespace httplib {
class Server;
}

namespace hpo::server {

struct HttpOptions {
  std::string listen;  // HOST:PORT ([::1]:PORT for IPv6); port 0: any free port
  std::string tls_cert, tls_key, tls_client_ca;  // PEM files; no cert: plain HTTP
  std::string token;                             // required as "Bearer ..." unless empty
  // httplib holds a thread for each open connection, and a browser keeps up
  // to 6 open per page: enough threads for a few pages and a scraper, and a
  // short keep-alive (kKeepAliveSeconds) so idle connections give them back.
  int threads = 16;
};

class HttpServer {
 public:
  // Binds and starts serving; `coordinator` must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpOptions& options,
                                                           Coordinator* coordinator);
  ~HttpServer();

  // HOST:PORT actually bound.
  const std::string& address() const { return address_; }
  // Stops accepting and waits for requests in flight. Idempotent.
  void Shutdown();

 private:
  HttpServer() = default;
  void Route(Coordinator* coordinator, const std::string& token);
  void RouteApi(Coordinator* coordinator);

  std::unique_ptr<httplib::Server> server_;
  std::string address_;
  std::thread thread_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_HTTP_HTTP_SERVER_H_
