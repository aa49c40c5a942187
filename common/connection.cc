#include "common/connection.h"

#include <grpc/support/log.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/command_line.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace hpo {
namespace {

std::string FromEnv(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// gRPC's own log, less the handshake failures that ServesTls provokes.
void LogWithoutHandshakeErrors(gpr_log_func_args* args) {
  if (absl::StrContains(args->file, "ssl_transport_security")) return;
  std::fprintf(stderr, "%s %s:%d] %s\n", gpr_log_severity_string(args->severity), args->file,
               args->line, args->message);
}

}  // namespace

void AddConnectionFlags(CLI::App& app, ConnectionFlags* flags) {
  flags->address = FromEnv("HPO_COORDINATOR", "");
  if (flags->address.empty()) {
    flags->address = "127.0.0.1:50051";
  } else {
    flags->address_source = "$HPO_COORDINATOR";
  }
  app.add_option("--coordinator", flags->address,
                 "Coordinator address (default: $HPO_COORDINATOR or 127.0.0.1:50051)")
      ->capture_default_str()
      ->check(AddressCheck(/*min_port=*/1))
      ->each([flags](const std::string&) { flags->address_source = "--coordinator"; });
  app.add_option("--token-file", flags->token_file,
                 "File holding the coordinator's bearer token (without it: $HPO_TOKEN, which holds "
                 "the token itself)");
  app.add_option("--tls-ca", flags->tls_ca,
                 "CA certificate (PEM) that signed the coordinator's; turns TLS on");
  app.add_option("--tls-cert", flags->tls_cert, "Client certificate (PEM), for mutual TLS");
  app.add_option("--tls-key", flags->tls_key, "Client private key (PEM), for mutual TLS");
}

absl::StatusOr<Connection> ResolveConnection(const ConnectionFlags& flags) {
  RETURN_IF_ERROR(CheckAddress(flags.address_source, flags.address, /*min_port=*/1));
  Connection connection;
  connection.address = flags.address;
  if (!flags.token_file.empty()) {
    ASSIGN_OR_RETURN(connection.token, ForFlag("--token-file", ReadTokenFile(flags.token_file)));
  } else if (const std::string token = FromEnv("HPO_TOKEN", ""); !token.empty()) {
    ASSIGN_OR_RETURN(connection.token, CheckToken(token, "$HPO_TOKEN"));
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key must be given together");
  }
  if (flags.tls_ca.empty()) {
    if (!flags.tls_cert.empty()) {
      return absl::InvalidArgumentError("--tls-cert needs --tls-ca (TLS is off without it)");
    }
    connection.credentials = grpc::InsecureChannelCredentials();
    return connection;
  }
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(ssl.pem_root_certs,
                   ForFlag("--tls-ca", ReadFileToString(flags.tls_ca, "CA certificate")));
  if (!flags.tls_cert.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                     ForFlag("--tls-cert", ReadFileToString(flags.tls_cert, "client certificate")));
    ASSIGN_OR_RETURN(ssl.pem_private_key,
                     ForFlag("--tls-key", ReadFileToString(flags.tls_key, "client private key")));
  }
  connection.credentials = grpc::SslCredentials(ssl);
  connection.tls = true;
  return connection;
}

std::shared_ptr<grpc::Channel> MakeChannel(const Connection& connection) {
  // gRPC's default reconnect backoff waits a second at first and grows to two
  // minutes: a restarted coordinator would be found late, long enough for
  // short leases to lapse. Retry 100 ms to 1 s apart instead. (The minimum
  // backoff, which is also the connect timeout, keeps its default.)
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(connection.address, connection.credentials, args);
}

bool ServesTls(const std::string& address) {
  // A TLS channel that trusts the system's CAs: a TLS server with its own CA
  // fails the handshake on its certificate, one with a public certificate
  // answers, and a plaintext server fails on the protocol version.
  gpr_set_log_function(LogWithoutHandshakeErrors);
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  const grpc::Status status =
      grpc::health::v1::Health::NewStub(grpc::CreateChannel(address, grpc::SslCredentials({})))
          ->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  return status.ok() || absl::StrContains(status.error_message(), "certificate verify failed");
}

void Authorize(const std::string& token, grpc::ClientContext* context) {
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace hpo
