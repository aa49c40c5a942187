#include "common/command_line.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace hpo {
namespace {

constexpr int kUsageExitCode = 2;
constexpr int64_t kMaxPort = 65535;

bool AllDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

// A sign, then digits: an integer, though maybe too large for int64.
bool IsDecimalInteger(absl::string_view text) {
  if (!absl::ConsumePrefix(&text, "-")) absl::ConsumePrefix(&text, "+");
  return AllDigits(text);
}

bool ValidHost(absl::string_view host) {
  if (host.empty() || std::any_of(host.begin(), host.end(), absl::ascii_isspace)) return false;
  // An IPv6 address needs brackets, or its last ':' would be taken for the port's.
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  return host.find_first_of(":[]") == absl::string_view::npos;
}

// The innermost command on the command line ("hpo study" for `hpo study
// frobnicate`), as words.
const CLI::App* InnermostCommand(const CLI::App& app, std::vector<std::string>* words) {
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
    words->push_back(command->get_name());
  }
  return command;
}

// When the innermost command takes subcommands and a word is where one
// should be, or one is required and none was given: says so, with the
// subcommands. Otherwise CLI11's own message.
std::string UsageMessage(const CLI::App& app, const CLI::ParseError& error) {
  std::vector<std::string> words;
  const CLI::App* command = InnermostCommand(app, &words);
  std::vector<std::string> names;
  for (const CLI::App* sub : command->get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  const bool missing_or_extra = dynamic_cast<const CLI::RequiredError*>(&error) != nullptr ||
                                dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr;
  if (names.empty() || !missing_or_extra) return error.what();
  const std::string commands = absl::StrCat("(commands: ", absl::StrJoin(names, ", "), ")");
  // Unrecognised words may have fallen through to a parent command.
  for (const std::string& word : app.remaining(/*recurse=*/true)) {
    if (absl::StartsWith(word, "-")) continue;
    words.push_back(word);
    return absl::StrCat("unknown command \"", absl::StrJoin(words, " "), "\" ", commands);
  }
  if (command->get_require_subcommand_min() == 0) return error.what();
  if (words.empty()) return absl::StrCat("a command is required ", commands);
  return absl::StrCat("\"", absl::StrJoin(words, " "), "\" needs a command ", commands);
}

}  // namespace

absl::StatusOr<double> ParseNumber(absl::string_view text) {
  // SimpleAtod (strtod underneath) also reads hex ("0x10", "0x1p3") and
  // allows spaces around the number.
  const bool decimal = !text.empty() && text.find_first_of("xX") == absl::string_view::npos &&
                       !absl::ascii_isspace(text.front()) && !absl::ascii_isspace(text.back());
  double value = 0;
  if (!decimal || !absl::SimpleAtod(text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a number"));
  }
  return value;
}

absl::StatusOr<double> ParseNumberInRange(absl::string_view text, double min, double max) {
  absl::StatusOr<double> value = ParseNumber(text);
  if (value.ok() && !(*value >= min && *value <= max)) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be in [", min, ", ", max, "] (got ", text, ")"));
  }
  return value;
}

absl::StatusOr<int64_t> ParseInteger(absl::string_view text, int64_t min, int64_t max) {
  if (!IsDecimalInteger(text)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an integer"));
  }
  int64_t value = 0;
  if (absl::SimpleAtoi(text, &value) && value >= min && value <= max) return value;
  const std::string rule = max == std::numeric_limits<int64_t>::max()
                               ? absl::StrCat(">= ", min)
                               : absl::StrCat("in [", min, ", ", max, "]");
  return absl::InvalidArgumentError(absl::StrCat("must be ", rule, " (got ", text, ")"));
}

absl::Status CheckAddress(absl::string_view flag, absl::string_view address, int min_port) {
  if (absl::StartsWith(address, "unix:") && address.size() > 5) return absl::OkStatus();
  const size_t colon = address.rfind(':');
  if (colon != absl::string_view::npos) {
    const absl::string_view port = address.substr(colon + 1);
    if (ValidHost(address.substr(0, colon)) && AllDigits(port) &&
        ParseInteger(port, min_port, kMaxPort).ok()) {
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(flag, flag.empty() ? "" : ": ",
                                                 "expected HOST:PORT with a port in ", min_port,
                                                 "-", kMaxPort, " (got \"", address, "\")"));
}

std::string WithPort(absl::string_view address, int port) {
  return absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
}

CLI::Validator AddressCheck(int min_port) {
  // CLI11 puts the option's name in front of the message.
  return CLI::Validator(
      [min_port](std::string& address) {
        return std::string(CheckAddress("", address, min_port).message());
      },
      "HOST:PORT");
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv,
                                    absl::string_view program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --help-all are "errors" that exit 0.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
    std::cerr << program << ": " << UsageMessage(app, error) << "\n";
    return kUsageExitCode;
  }
  return std::nullopt;
}

}  // namespace hpo
