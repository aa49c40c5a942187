#include "server/http/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/command_line.h"
#include "common/constant_time.h"
#include "server/http/api_json.h"
#include "server/http/metrics_text.h"
#include "server/http/web_assets.h"

namespace hpo::server {
namespace {

// Requests are GETs: nothing larger is read.
constexpr size_t kMaxRequestBodyBytes = 64 * 1024;
constexpr time_t kTimeoutSeconds = 10;
constexpr time_t kKeepAliveSeconds = 2;

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

constexpr char kJson[] = "application/json";
constexpr int64_t kMaxTrialNumber = 1'000'000'000'000'000'000;
constexpr int64_t kMaxApiPageSize = 10000;
constexpr int64_t kMaxRevision = int64_t{1} << 53;  // exact in JavaScript

// The page's files are public; data (/api/, /metrics) needs the token.
bool NeedsToken(const std::string& path) {
  return absl::StartsWith(path, "/api/") || path == "/metrics";
}

// Sends the `size` bytes at `data` as they are (`keep` owns them unless they
// are static). httplib compresses a set_content body whenever the client
// accepts it, with Brotli at its slowest quality: 2.2 s of the coordinator's
// CPU for the page's 1 MB plot library, 0.85 s for 1,000 trials of JSON. A
// response of known length from a content provider goes out uncompressed.
void SendBytes(httplib::Response& response, const char* data, size_t size, const std::string& type,
               std::shared_ptr<const std::string> keep = nullptr) {
  if (size == 0) return response.set_content("", type);  // nothing to compress
  response.set_content_provider(
      size, type,
      [data, size, keep = std::move(keep)](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(data + offset, std::min(length, size - offset));
      });
}

void Send(httplib::Response& response, std::string body, const std::string& type) {
  auto kept = std::make_shared<const std::string>(std::move(body));
  SendBytes(response, kept->data(), kept->size(), type, kept);
}

void Fail(const absl::Status& status, httplib::Response& response) {
  const int code = HttpStatus(status);
  response.status = code;
  Send(response, ErrorJson(code, std::string(status.message())), kJson);
}

// Query parameter `name` as an integer in [low, high]; `fallback` if absent.
absl::StatusOr<int64_t> IntParam(const httplib::Request& request, const char* name,
                                 int64_t fallback, int64_t low, int64_t high) {
  if (!request.has_param(name)) return fallback;
  const std::string text = request.get_param_value(name);
  int64_t value = 0;
  if (text.size() > 20 || !absl::SimpleAtoi(text, &value) || value < low || value > high) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": expected an integer in [", low, ", ", high, "]"));
  }
  return value;
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
  server.set_keep_alive_timeout(kKeepAliveSeconds);
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
  server.set_post_routing_handler([](const httplib::Request&, httplib::Response& response) {
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data: blob:; "
                        "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  });
  if (!token.empty()) {
    // The page's own files hold no data and are served to anyone: the page
    // then asks for the token, which every /api/ call carries.
    const std::string expected = "Bearer " + token;
    server.set_pre_routing_handler(
        [expected](const httplib::Request& request, httplib::Response& response) {
          if (!NeedsToken(request.path) ||
              ConstantTimeEquals(request.get_header_value("Authorization"), expected)) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          response.status = 401;
          response.set_header("WWW-Authenticate", "Bearer realm=\"hpo\"");
          if (absl::StartsWith(request.path, "/api/")) {
            Send(response, ErrorJson(401, "missing or wrong bearer token"), kJson);
          } else {
            Send(response, "missing or wrong bearer token\n", "text/plain");
          }
          return httplib::Server::HandlerResponse::Handled;
        });
  }
  server.Get("/metrics", [coordinator](const httplib::Request&, httplib::Response& response) {
    absl::StatusOr<std::vector<v1::Study>> studies = AllStudies(*coordinator);
    if (!studies.ok()) {
      response.status = 503;
      Send(response, absl::StrCat(studies.status().message(), "\n"), "text/plain");
      return;
    }
    Send(response, RenderMetrics(*studies, coordinator->metrics()), kMetricsContentType);
  });
  for (const WebAsset& asset : WebAssets()) {
    server.Get(std::string(asset.path),
               [&asset](const httplib::Request&, httplib::Response& response) {
                 response.set_header("Cache-Control", "no-cache");
                 SendBytes(response, asset.body.data(), asset.body.size(),
                           std::string(asset.content_type) + "; charset=utf-8");
               });
  }
  RouteApi(coordinator);
}

void HttpServer::RouteApi(Coordinator* coordinator) {
  httplib::Server& server = *server_;
  server.Get("/api/studies", [coordinator](const httplib::Request&, httplib::Response& response) {
    absl::StatusOr<std::vector<v1::Study>> studies = AllStudies(*coordinator);
    if (!studies.ok()) return Fail(studies.status(), response);
    Send(response, StudiesJson(*studies), kJson);
  });
  server.Get(R"(/api/studies/([^/]+))",
             [coordinator](const httplib::Request& request, httplib::Response& response) {
               absl::StatusOr<v1::Study> study = coordinator->GetStudy(request.matches[1].str());
               if (!study.ok()) return Fail(study.status(), response);
               Send(response, StudyJson(*study), kJson);
             });
  server.Get(R"(/api/studies/([^/]+)/trials)",
             [coordinator](const httplib::Request& request, httplib::Response& response) {
               absl::StatusOr<int64_t> after = IntParam(request, "after", -1, -1, kMaxTrialNumber);
               absl::StatusOr<int64_t> changed_after =
                   IntParam(request, "changed_after", -1, 0, kMaxRevision);
               absl::StatusOr<int64_t> limit = IntParam(request, "limit", 1000, 1, kMaxApiPageSize);
               absl::StatusOr<int64_t> steps = IntParam(request, "steps", 1, 0, 1);
               for (const absl::Status& status :
                    {after.status(), changed_after.status(), limit.status(), steps.status()}) {
                 if (!status.ok()) return Fail(status, response);
               }
               if (request.has_param("after") && request.has_param("changed_after")) {
                 return Fail(absl::InvalidArgumentError("after, changed_after: give one of them"),
                             response);
               }
               const std::string name = request.matches[1].str();
               absl::StatusOr<v1::Study> study = coordinator->GetStudy(name);
               if (!study.ok()) return Fail(study.status(), response);
               if (*changed_after >= 0) {
                 absl::StatusOr<Coordinator::ChangedTrials> changed =
                     coordinator->ListChangedTrials(name, *changed_after, *limit);
                 if (!changed.ok()) return Fail(changed.status(), response);
                 return Send(response, ChangedTrialsJson(*changed, study->spec(), *steps == 1),
                             kJson);
               }
               v1::ListTrialsRequest list;
               list.set_study_name(name);
               list.set_start_number(*after + 1);
               list.set_page_size(static_cast<int32_t>(*limit));
               absl::StatusOr<v1::ListTrialsResponse> page = coordinator->ListTrials(list);
               if (!page.ok()) return Fail(page.status(), response);
               Send(response, TrialsJson(*page, study->spec(), *steps == 1), kJson);
             });
  server.Get(R"(/api/studies/([^/]+)/trials/(\d{1,18}))",
             [coordinator](const httplib::Request& request, httplib::Response& response) {
               const std::string name = request.matches[1].str();
               int64_t number = 0;
               (void)absl::SimpleAtoi(request.matches[2].str(), &number);  // 1 to 18 digits
               absl::StatusOr<v1::Study> study = coordinator->GetStudy(name);
               if (!study.ok()) return Fail(study.status(), response);
               v1::ListTrialsRequest list;
               list.set_study_name(name);
               list.set_start_number(number);
               list.set_page_size(1);
               absl::StatusOr<v1::ListTrialsResponse> page = coordinator->ListTrials(list);
               if (!page.ok()) return Fail(page.status(), response);
               if (page->trials_size() == 0 || page->trials(0).number() != number) {
                 return Fail(absl::NotFoundError(
                                 absl::StrCat("study \"", name, "\" has no trial ", number)),
                             response);
               }
               Send(response, TrialJson(page->trials(0), study->spec()), kJson);
             });
  server.Get(R"(/api/studies/([^/]+)/series)",
             [coordinator](const httplib::Request& request, httplib::Response& response) {
               absl::StatusOr<int64_t> points = IntParam(request, "points", 2000, 10, 20000);
               if (!points.ok()) return Fail(points.status(), response);
               absl::StatusOr<std::shared_ptr<const StudySnapshot>> snapshot =
                   coordinator->Snapshot(request.matches[1].str());
               if (!snapshot.ok()) return Fail(snapshot.status(), response);
               Send(response, SeriesJson(**snapshot, static_cast<size_t>(*points)), kJson);
             });
  server.Get(R"(/api/studies/([^/]+)/importance)",
             [coordinator](const httplib::Request& request, httplib::Response& response) {
               absl::StatusOr<v1::GetParamImportancesResponse> importances =
                   coordinator->GetParamImportances(request.matches[1].str());
               if (!importances.ok()) return Fail(importances.status(), response);
               Send(response, ImportancesJson(*importances), kJson);
             });
  server.Get(R"(/api/.*)", [](const httplib::Request& request, httplib::Response& response) {
    Fail(absl::NotFoundError(absl::StrCat("no API route ", request.path)), response);
  });
}

void HttpServer::Shutdown() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

HttpServer::~HttpServer() { Shutdown(); }

}  // namespace hpo::server
