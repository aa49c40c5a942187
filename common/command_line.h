// Reading a command line strictly. CLI11's own conversions read "" as 0,
// "0x10" as 16 and "010" as 8; the functions here read decimal numbers only
// and say what is wrong. Shared by hpo, hpo-worker and hpo-coordinator.
//
// Free functions; thread-safe, except that ParseCommandLine writes to stderr.
#ifndef HPO_COMMON_COMMAND_LINE_H_
#define HPO_COMMON_COMMAND_LINE_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpo {

// `text` as a decimal number: an optional sign, digits with an optional
// point and exponent ("-1.5", "2e-3"), or inf or nan, which the caller judges.
// Nothing else, not even spaces around it. Otherwise InvalidArgument
// `"0x10" is not a number`.
absl::StatusOr<double> ParseNumber(absl::string_view text);

// ParseNumber, and in [min, max] (so not nan). Otherwise InvalidArgument
// `"abc" is not a number` or `must be in [0, 1e+06] (got inf)`.
absl::StatusOr<double> ParseNumberInRange(absl::string_view text, double min, double max);

// `text` as a decimal integer in [min, max]. Otherwise InvalidArgument
// `"abc" is not an integer`, `must be >= 0 (got -1)`, or, when `max` is not
// the largest int64, `must be in [1, 256] (got 0)`.
absl::StatusOr<int64_t> ParseInteger(absl::string_view text, int64_t min,
                                     int64_t max = std::numeric_limits<int64_t>::max());

// A count, trial number or step: an integer >= 0.
inline absl::StatusOr<int64_t> ParseCount(absl::string_view text) { return ParseInteger(text, 0); }

// OK when `address` is HOST:PORT ("127.0.0.1:50051", "db.example:50051",
// "[::1]:50051") with PORT in [min_port, 65535], or a Unix socket
// ("unix:/run/hpo.sock"). `min_port` is 1 for an address to connect to, 0 for
// one to listen on (port 0: any free port). Otherwise InvalidArgument naming
// `flag` (the flag or variable the address came from, if not empty):
// `--coordinator: expected HOST:PORT with a port in 1-65535 (got "127.0.0.1")`.
absl::Status CheckAddress(absl::string_view flag, absl::string_view address, int min_port);

// HOST:PORT `address` with its port replaced by `port`: the address a server
// asked for port 0 actually bound.
std::string WithPort(absl::string_view address, int port);

// CheckAddress as a check on a CLI11 option, so that a bad address on the
// command line is a usage error (exit 2 from ParseCommandLine).
CLI::Validator AddressCheck(int min_port);

// Adds option `flag` to `app`, its value read into *value by `parse`, a
// function of the text returning absl::StatusOr<T> (e.g. ParseNumber), instead
// of by CLI11's conversion. A value `parse` refuses is a
// usage error: `--trial: must be >= 0 (got -1)`.
template <typename T, typename Parse>
CLI::Option* AddParsedOption(CLI::App& app, const std::string& flag, T* value,
                             const std::string& help, Parse parse) {
  // CLI11 runs an option's checks on each value before converting it; this
  // check does the converting, and the option has no conversion of its own.
  auto read = [value, parse](std::string& text) -> std::string {
    absl::StatusOr<T> parsed = parse(text);
    if (!parsed.ok()) return std::string(parsed.status().message());
    *value = *parsed;
    return "";
  };
  return app.add_option(flag, help)
      ->type_name(std::is_integral_v<T> ? "INT" : "NUMBER")
      ->check(CLI::Validator(read, ""));
}

// Parses the command line into `app`. nullopt: go on. Otherwise the program
// exits with the value returned: 0 after --help, 2 after a usage error, which
// is printed to stderr as `PROGRAM: message`. A word where a command is
// expected but that is none reads `unknown command "frobnicate" (commands:
// ...)`.
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv,
                                    absl::string_view program);

}  // namespace hpo

#endif  // HPO_COMMON_COMMAND_LINE_H_
