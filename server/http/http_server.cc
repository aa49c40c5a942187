#include "server/http/http_server.h"

#include <httplib.h>

#include <chrono>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/command_line.h"
#include "common/constant_time.h"
#include "server/http/metrics_text.h"

namespace hpo::server {
namespace {

// Requests are GETs: nothing larger is read.
constexpr size_t kMaxRequestBodyBytes = 64 * 1024;
constexpr time_t kTimeoutSeconds = 10;

struct HostPort {
  std::string host;  // without the brackets of an IPv6 address
  int port = 0;
};

// `listen` checked as every listening address is (CheckAddress), then split.
absl::StatusOr<HostPort> ParseListen(const std::string& listen) {
  if (absl::Status status = CheckAddress("--http", listen, /*min_port=*/0); !status.ok()) {
    return status;
  }
  if (absl::StartsWith(listen, "unix:")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http ", listen, ": expected HOST:PORT, e.g. 127.0.0.1:8080"));
  }
  const size_t colon = listen.rfind(':');
  HostPort result;
  result.host = listen.substr(0, colon);
  (void)absl::SimpleAtoi(listen.substr(colon + 1), &result.port);  // checked above
  if (absl::StartsWith(result.host, "[") && absl::EndsWith(result.host, "]")) {
    result.host = result.host.substr(1, result.host.size() - 2);
  }
  return result;
}

// Every study's summary, page by page.
absl::StatusOr<std::vector<v1::Study>> AllStudies(Coordinator& coordinator) {
  std::vector<v1::Study> studies;
  v1::ListStudiesRequest request;
  request.set_page_size(1000);
  while (true) {
    absl::StatusOr<v1::ListStudiesResponse> page = coordinator.ListStudies(request);
    if (!page.ok()) return page.status();
    for (v1::Study& study : *page->mutable_studies()) studies.push_back(std::move(study));
    if (page->next_page_token().empty()) return studies;
    request.set_page_token(page->next_page_token());
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options,
                                                              Coordinator* coordinator) {
  absl::StatusOr<HostPort> where = ParseListen(options.listen);
  if (!where.ok()) return where.status();
  std::unique_ptr<HttpServer> self(new HttpServer());
  if (options.tls_cert.empty()) {
    self->server_ = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(
        options.tls_cert.c_str(), options.tls_key.c_str(),
        options.tls_client_ca.empty() ? nullptr : options.tls_client_ca.c_str());
    if (!tls->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("--http: cannot serve TLS with --tls-cert ",
                                                     options.tls_cert, " and --tls-key ",
                                                     options.tls_key));
    }
    self->server_ = std::move(tls);
  }
  httplib::Server& server = *self->server_;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(kTimeoutSeconds, 0);
  server.set_write_timeout(kTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kTimeoutSeconds);
  server.set_payload_max_length(kMaxRequestBodyBytes);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second coordinator would bind the same port and take a share of requests.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  self->Route(coordinator, options.token);

  int port = where->port;
  if (port == 0) {
    port = server.bind_to_any_port(where->host);
  } else if (!server.bind_to_port(where->host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("--http ", options.listen,
                                               ": cannot listen (is another process serving it?)"));
  }
  self->address_ = WithPort(options.listen, port);
  self->thread_ = std::thread([&server] { server.listen_after_bind(); });
  // stop() does nothing before the loop runs: wait for it, so Shutdown cannot
  // be missed.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return self;
}

void HttpServer::Route(Coordinator* coordinator, const std::string& token) {
  httplib::Server& server = *server_;
  if (!token.empty()) {
    const std::string expected = "Bearer " + token;
    server.set_pre_routing_handler(
        [expected](const httplib::Request& request, httplib::Response& response) {
          if (ConstantTimeEquals(request.get_header_value("Authorization"), expected)) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          response.status = 401;
          response.set_header("WWW-Authenticate", "Bearer realm=\"hpo\"");
          response.set_content("missing or wrong bearer token\n", "text/plain");
          return httplib::Server::HandlerResponse::Handled;
        });
  }
  server.Get("/metrics", [coordinator](const httplib::Request&, httplib::Response& response) {
    absl::StatusOr<std::vector<v1::Study>> studies = AllStudies(*coordinator);
    if (!studies.ok()) {
      response.status = 503;
      response.set_content(absl::StrCat(studies.status().message(), "\n"), "text/plain");
      return;
    }
    response.set_content(RenderMetrics(*studies, coordinator->metrics()), kMetricsContentType);
  });
}

void HttpServer::Shutdown() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

HttpServer::~HttpServer() { Shutdown(); }

}  // namespace hpo::server
