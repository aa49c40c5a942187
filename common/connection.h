// How a program reaches the coordinator: address, optional TLS and bearer
// token. Shared by the CLI and the worker, so both take the same flags.
#ifndef HPO_COMMON_CONNECTION_H_
#define HPO_COMMON_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace hpo {

// What the flags say; files are read by Resolve().
struct ConnectionFlags {
  std::string address;  // default: $HPO_COORDINATOR, else 127.0.0.1:50051
  // Where `address` came from, for messages: "--coordinator" or "$HPO_COORDINATOR".
  std::string address_source = "--coordinator";
  std::string token_file;  // default: the token in $HPO_TOKEN, if set
  std::string tls_ca;      // CA certificate (PEM) to verify the coordinator; enables TLS
  std::string tls_cert;    // client certificate and key (PEM), if the coordinator asks for one
  std::string tls_key;
};

struct Connection {
  std::string address;
  std::string token;  // "" for none
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  bool tls = false;
};

// Adds --coordinator, --token-file, --tls-ca, --tls-cert and --tls-key to `app`.
void AddConnectionFlags(CLI::App& app, ConnectionFlags* flags);

// Checks the address (CheckAddress in common/command_line.h: HOST:PORT with a
// port in 1-65535) and reads the files the flags name. Errors name the flag
// and the file.
absl::StatusOr<Connection> ResolveConnection(const ConnectionFlags& flags);

std::shared_ptr<grpc::Channel> MakeChannel(const Connection& connection);

// Trailing metadata the coordinator puts on every error it answers itself, so
// that a client can tell "the coordinator said UNAVAILABLE" (e.g. its disk is
// full) from "the coordinator could not be reached".
inline constexpr char kErrorSourceKey[] = "hpo-error-source";

// Whether the server at `address` answers a TLS handshake (within 2 s): for
// telling a plaintext client whose connection was closed that TLS is on.
bool ServesTls(const std::string& address);

// Adds the bearer token, if any, to an outgoing call.
void Authorize(const std::string& token, grpc::ClientContext* context);

}  // namespace hpo

#endif  // HPO_COMMON_CONNECTION_H_
