// What hpo, hpo-worker and hpo-coordinator say about a command line they refuse: the flag and
// the value, before any call to a coordinator. The binaries come from the
// build tree named by $HPO_BUILD_DIR (set by CTest); no coordinator runs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace hpo::client {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string err;
};

// Runs `program` (relative to the build tree) with `args` and only the
// variables in `env`, its stdout discarded, for at most 30 s. By default the
// coordinator is at port 1, where none ever is, should a command line that
// ought to be refused get through.
Outcome RunProgram(const std::string& program, std::vector<std::string> args,
                   std::vector<std::string> env = {"HPO_COORDINATOR=127.0.0.1:1"}) {
  const char* build_dir = std::getenv("HPO_BUILD_DIR");
  args.insert(args.begin(), std::string(build_dir != nullptr ? build_dir : ".") + "/" + program);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& variable : env) envp.push_back(variable.data());
  envp.push_back(nullptr);

  hpo::testing::TempDir dir;
  const std::string err_path = dir.File("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  Outcome outcome;
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return outcome;
  }
  // A command line that gets through by mistake may leave a worker waiting
  // for a coordinator: it is killed (exit_code -1) rather than hang the test.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  std::ifstream in(err_path);
  std::stringstream err;
  err << in.rdbuf();
  outcome.err = err.str();
  return outcome;
}

TEST(CliUsageTest, NumbersAreReadStrictly) {
  const struct {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"tell", "s", "--trial", "1", "--value", ""}, "hpo: --value: \"\" is not a number\n"},
      {{"tell", "s", "--trial", "1", "--value", "0x10"},
       "hpo: --value: \"0x10\" is not a number\n"},
      {{"report", "s", "--trial", "1", "--step", "2", "--value", ""},
       "hpo: --value: \"\" is not a number\n"},
      {{"tell", "s", "--trial", "-1", "--value", "1"}, "hpo: --trial: must be >= 0 (got -1)\n"},
      {{"tell", "s", "--trial", "0x1", "--value", "1"},
       "hpo: --trial: \"0x1\" is not an integer\n"},
      {{"report", "s", "--trial", "1", "--step", "abc", "--value", "1"},
       "hpo: --step: \"abc\" is not an integer\n"},
      {{"run", "--spec", "/dev/null", "--workers", "0"},
       "hpo: --workers: must be in [1, 256] (got 0)\n"},
  };
  for (const auto& c : cases) {
    Outcome outcome = RunProgram("client/hpo", c.args);
    EXPECT_EQ(outcome.exit_code, 2) << c.err;
    EXPECT_EQ(outcome.err, c.err);
  }
}

TEST(CliUsageTest, UnknownCommandListsTheCommands) {
  Outcome outcome = RunProgram("client/hpo", {"frobnicate"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "hpo: unknown command \"frobnicate\" (commands: study, trials, best, importance, ask, "
            "tell, enqueue, "
            "report, heartbeat, watch, run, agent, health)\n");
  outcome = RunProgram("client/hpo", {"study", "frobnicate"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "hpo: unknown command \"study frobnicate\" (commands: create, list, show, stop, "
            "resume, update, delete)\n");
}

TEST(CliUsageTest, AddressesNeedAHostAndAPort) {
  for (const std::string address : {"127.0.0.1:99999", "127.0.0.1", "127.0.0.1:0", ""}) {
    Outcome outcome = RunProgram("client/hpo", {"--coordinator", address, "study", "list"});
    EXPECT_EQ(outcome.exit_code, 2) << address;  // a usage error
    EXPECT_EQ(outcome.err, "hpo: --coordinator: expected HOST:PORT with a port in 1-65535 (got \"" +
                               address + "\")\n");
  }
  Outcome outcome = RunProgram("client/hpo", {"study", "list"}, {"HPO_COORDINATOR=127.0.0.1"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err,
            "hpo: $HPO_COORDINATOR: expected HOST:PORT with a port in 1-65535 (got "
            "\"127.0.0.1\")\n");
}

TEST(CliUsageTest, WorkerFlagsAreReadStrictly) {
  Outcome outcome = RunProgram("worker/hpo-worker", {"--max-trials", ""});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err, "hpo-worker: --max-trials: \"\" is not an integer\n");
  for (const std::string seconds : {"nan", "inf", "-1"}) {
    outcome = RunProgram("worker/hpo-worker", {"--exit-when-idle", seconds});
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err,
              "hpo-worker: --exit-when-idle: must be in [0, 3.1536e+07] (got " + seconds + ")\n");
  }
  outcome = RunProgram("worker/hpo-worker", {"--coordinator", "127.0.0.1:99999"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "hpo-worker: --coordinator: expected HOST:PORT with a port in 1-65535 (got "
            "\"127.0.0.1:99999\")\n");
}

TEST(CliUsageTest, TheCoordinatorNeedsAnAddressToListenOn) {
  // Should the address get through, the database cannot be opened either:
  // the coordinator exits 1 rather than serve.
  for (const std::string address : {"127.0.0.1", "127.0.0.1:65536", "localhost:http", ":50051"}) {
    Outcome outcome =
        RunProgram("server/hpo-coordinator", {"--listen", address, "--db", "/nonexistent/hpo.db"});
    EXPECT_EQ(outcome.exit_code, 2) << address;
    EXPECT_EQ(outcome.err,
              "hpo-coordinator: --listen: expected HOST:PORT with a port in 0-65535 (got \"" +
                  address + "\")\n");
  }
  Outcome outcome = RunProgram("server/hpo-coordinator", {"--reclaim-interval", "0"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, ::testing::StartsWith("hpo-coordinator: --reclaim-interval: "));
}

// gRPC aborts on a header value with a newline or control byte, printing it:
// the CLI and the worker check the token first, name where it came from and
// never echo it.
TEST(CliUsageTest, ATokenWithAControlCharacterIsAClearErrorThatDoesNotShowIt) {
  hpo::testing::TempDir dir;
  const std::string file = dir.File("token");
  std::ofstream(file) << "s3cret\x07more\n";
  for (const auto& [program, args, env] :
       std::vector<std::tuple<std::string, std::vector<std::string>, std::vector<std::string>>>{
           {"client/hpo",
            {"study", "list"},
            {"HPO_COORDINATOR=127.0.0.1:1", "HPO_TOKEN=s3cret\nx"}},
           {"worker/hpo-worker",
            {"--exit-when-idle", "1"},
            {"HPO_COORDINATOR=127.0.0.1:1", "HPO_TOKEN=s3cret\x1b[0m"}},
           {"client/hpo", {"study", "list", "--token-file", file}, {"HPO_COORDINATOR=127.0.0.1:1"}},
       }) {
    const Outcome outcome = RunProgram(program, args, env);
    EXPECT_EQ(outcome.exit_code, 1) << program << ": " << outcome.err;
    EXPECT_THAT(outcome.err, ::testing::HasSubstr("must hold one token of visible ASCII"));
    EXPECT_THAT(outcome.err, ::testing::Not(::testing::HasSubstr("s3cret"))) << program;
  }
}

}  // namespace
}  // namespace hpo::client
