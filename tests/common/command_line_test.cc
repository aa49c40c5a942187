// Strict reading of numbers and addresses on a command line, and CLI11 options
// that use it.
#include "common/command_line.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::IsOkAndHolds;
using ::hpo::testing::StatusIs;
using ::testing::DoubleEq;
using ::testing::IsNan;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

TEST(ParseNumberTest, DecimalNumbersOnly) {
  EXPECT_THAT(ParseNumber("1.5"), IsOkAndHolds(DoubleEq(1.5)));
  EXPECT_THAT(ParseNumber("-2e-3"), IsOkAndHolds(DoubleEq(-2e-3)));
  EXPECT_THAT(ParseNumber("+7"), IsOkAndHolds(DoubleEq(7)));
  EXPECT_THAT(ParseNumber("010"), IsOkAndHolds(DoubleEq(10)));
  // Not finite, but numbers: the caller decides (the coordinator refuses them as values).
  EXPECT_THAT(ParseNumber("inf"), IsOkAndHolds(DoubleEq(INFINITY)));
  EXPECT_THAT(ParseNumber("nan"), IsOkAndHolds(IsNan()));
  for (const std::string text : {"", " ", " 1", "1 ", "1abc", "0x10", "0x1p3", "1,5", "--1"}) {
    EXPECT_THAT(ParseNumber(text), StatusIs(kInvalid, "\"" + text + "\" is not a number")) << text;
  }
}

TEST(ParseNumberTest, InRange) {
  EXPECT_THAT(ParseNumberInRange("0", 0, 10), IsOkAndHolds(DoubleEq(0)));
  EXPECT_THAT(ParseNumberInRange("10", 0, 10), IsOkAndHolds(DoubleEq(10)));
  EXPECT_THAT(ParseNumberInRange("-1", 0, 10), StatusIs(kInvalid, "must be in [0, 10] (got -1)"));
  EXPECT_THAT(ParseNumberInRange("inf", 0, 10), StatusIs(kInvalid, "must be in [0, 10] (got inf)"));
  EXPECT_THAT(ParseNumberInRange("nan", 0, 10), StatusIs(kInvalid, "must be in [0, 10] (got nan)"));
  EXPECT_THAT(ParseNumberInRange("", 0, 10), StatusIs(kInvalid, "\"\" is not a number"));
}

TEST(ParseIntegerTest, DecimalIntegersInRange) {
  EXPECT_THAT(ParseInteger("0", 0), IsOkAndHolds(0));
  EXPECT_THAT(ParseInteger("010", 0), IsOkAndHolds(10));  // not octal
  EXPECT_THAT(ParseInteger("-9223372036854775808", std::numeric_limits<int64_t>::min()),
              IsOkAndHolds(std::numeric_limits<int64_t>::min()));
  for (const std::string text : {"", " 1", "1 ", "abc", "1.5", "1e3", "0x10", "-"}) {
    EXPECT_THAT(ParseInteger(text, 0), StatusIs(kInvalid, "\"" + text + "\" is not an integer"))
        << text;
  }
  EXPECT_THAT(ParseInteger("-1", 0), StatusIs(kInvalid, "must be >= 0 (got -1)"));
  EXPECT_THAT(ParseInteger("99999999999999999999", 0),
              StatusIs(kInvalid, "must be >= 0 (got 99999999999999999999)"));
  EXPECT_THAT(ParseInteger("0", 1, 256), StatusIs(kInvalid, "must be in [1, 256] (got 0)"));
  EXPECT_THAT(ParseInteger("257", 1, 256), StatusIs(kInvalid, "must be in [1, 256] (got 257)"));
}

TEST(CheckAddressTest, HostAndPortInRange) {
  for (const std::string address : {"127.0.0.1:50051", "localhost:1", "db.example:65535",
                                    "[::1]:50051", "unix:/tmp/hpo.sock"}) {
    EXPECT_OK(CheckAddress("--coordinator", address, 1)) << address;
  }
  EXPECT_OK(CheckAddress("--listen", "127.0.0.1:0", 0));  // any free port
  for (const std::string address :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:65536",
        "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x", ":50051", "::1:50051", "[]:50051",
        "local host:1", "unix:"}) {
    EXPECT_THAT(
        CheckAddress("--coordinator", address, 1),
        StatusIs(kInvalid, "--coordinator: expected HOST:PORT with a port in 1-65535 (got \"" +
                               address + "\")"))
        << address;
  }
  EXPECT_THAT(CheckAddress("--listen", "127.0.0.1", 0),
              StatusIs(kInvalid,
                       "--listen: expected HOST:PORT with a port in 0-65535 (got \"127.0.0.1\")"));
}

// The outcome of parsing `args` (after the program name) with ParseCommandLine.
struct Parsed {
  std::optional<int> exit_code;
  std::string err;
};

Parsed Parse(CLI::App& app, std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  Parsed parsed;
  ::testing::internal::CaptureStderr();
  parsed.exit_code = ParseCommandLine(app, static_cast<int>(argv.size()), argv.data(), "prog");
  parsed.err = ::testing::internal::GetCapturedStderr();
  return parsed;
}

TEST(AddParsedOptionTest, ValuesAreReadByTheParser) {
  CLI::App app;
  double value = -1;
  int64_t count = -1;
  AddParsedOption(app, "--value", &value, "", ParseNumber);
  AddParsedOption(app, "--count", &count, "",
                  [](absl::string_view text) { return ParseInteger(text, 0); });
  Parsed parsed = Parse(app, {"--value", "0.1", "--count", "010"});
  EXPECT_EQ(parsed.exit_code, std::nullopt) << parsed.err;
  EXPECT_EQ(value, 0.1);
  EXPECT_EQ(count, 10);
}

TEST(AddParsedOptionTest, ARefusedValueIsAUsageError) {
  const struct {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"--value", ""}, "prog: --value: \"\" is not a number\n"},
      {{"--value", "0x10"}, "prog: --value: \"0x10\" is not a number\n"},
      {{"--count", "-1"}, "prog: --count: must be >= 0 (got -1)\n"},
      {{"--count", "abc"}, "prog: --count: \"abc\" is not an integer\n"},
  };
  for (const auto& c : cases) {
    CLI::App app;
    double value = 0;
    int64_t count = 0;
    AddParsedOption(app, "--value", &value, "", ParseNumber);
    AddParsedOption(app, "--count", &count, "",
                    [](absl::string_view text) { return ParseInteger(text, 0); });
    Parsed parsed = Parse(app, c.args);
    EXPECT_EQ(parsed.exit_code, 2);
    EXPECT_EQ(parsed.err, c.err);
  }
}

TEST(ParseCommandLineTest, UnknownAndMissingCommandsListTheCommands) {
  auto make = [](CLI::App& app) {
    app.require_subcommand(1);
    app.fallthrough();
    app.add_subcommand("ask", "");
    CLI::App* study = app.add_subcommand("study", "");
    study->require_subcommand(1);
    study->add_subcommand("list", "");
    study->add_subcommand("show", "");
  };
  const struct {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"frobnicate"}, "prog: unknown command \"frobnicate\" (commands: ask, study)\n"},
      {{}, "prog: a command is required (commands: ask, study)\n"},
      {{"study", "frobnicate"},
       "prog: unknown command \"study frobnicate\" (commands: list, show)\n"},
      {{"study"}, "prog: \"study\" needs a command (commands: list, show)\n"},
  };
  for (const auto& c : cases) {
    CLI::App app;
    make(app);
    Parsed parsed = Parse(app, c.args);
    EXPECT_EQ(parsed.exit_code, 2);
    EXPECT_EQ(parsed.err, c.err);
  }
  CLI::App app;
  make(app);
  EXPECT_EQ(Parse(app, {"study", "list"}).exit_code, std::nullopt);
  // Where a command is optional, a stray option is only that.
  CLI::App optional;
  optional.require_subcommand(0, 1);
  optional.add_subcommand("run-once", "");
  EXPECT_EQ(Parse(optional, {"--bogus"}).err,
            "prog: The following argument was not expected: --bogus\n");
  EXPECT_EQ(Parse(optional, {"bogus"}).err,
            "prog: unknown command \"bogus\" (commands: run-once)\n");
  CLI::App help;
  make(help);
  EXPECT_EQ(Parse(help, {"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace hpo
