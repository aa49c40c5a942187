// hpo health: asks the coordinator's standard gRPC health service
// (grpc.health.v1) whether it serves, as a probe would: exit 0 and SERVING,
// or a non-zero exit and why. For Kubernetes exec probes and scripts, since
// the kubelet's own gRPC probe cannot speak TLS.
#include <chrono>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "common/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace hpo::client {

void AddHealthCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  struct Options {
    std::string service;
    double timeout_s = 5;
  };
  auto options = std::make_shared<Options>();
  CLI::App* health =
      app.add_subcommand("health", "Check that the coordinator serves (grpc.health.v1)");
  health->add_option("--service", options->service,
                     "Service to ask about (default: the server as a whole; or "
                     "hpo.v1.Coordinator)");
  health->add_option("--timeout", options->timeout_s, "Seconds to wait for the answer")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  health->callback([&global, options, action] {
    *action = [&global, options]() -> absl::Status {
      ASSIGN_OR_RETURN(Connection connection, ResolveConnection(global.connection));
      auto stub = grpc::health::v1::Health::NewStub(MakeChannel(connection));
      grpc::ClientContext context;
      context.set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::milliseconds(static_cast<int64_t>(options->timeout_s * 1e3)));
      Authorize(connection.token, &context);
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(options->service);
      grpc::health::v1::HealthCheckResponse response;
      const grpc::Status status = stub->Check(&context, request, &response);
      if (!status.ok()) {
        return absl::UnavailableError(absl::StrCat("health check of ", connection.address,
                                                   " failed: ", status.error_message()));
      }
      const std::string state =
          grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
      std::cout << state << "\n";
      if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
        return absl::UnavailableError(absl::StrCat(connection.address, " is ", state));
      }
      return absl::OkStatus();
    };
  });
}

}  // namespace hpo::client
