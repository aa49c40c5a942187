// hpo agent drives a plain Python script against a real coordinator: the
// script's metrics become intermediate values and the result, a pruned
// trial's processes are gone at once, a crashing script fails its trials and
// trips the flapping guard, two agents share a study, Ctrl-C gives the trial
// back.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/local_cluster.h"
#include "tests/status_matchers.h"

namespace hpo::testing {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr char kPython[] = "/usr/bin/python3";

// One script, its behaviour chosen by its first argument.
constexpr char kScript[] = R"py(
import json, os, subprocess, sys, time
mode = sys.argv[1]
params = json.loads(os.environ["HPO_PARAMS"])
trial = int(os.environ["HPO_TRIAL"])
flags = dict(a[2:].split("=", 1) for a in sys.argv[2:] if a.startswith("--"))
if mode == "curve":
    # The appended flags carry what HPO_PARAMS does.
    assert float(flags["x"]) == params["x"], (flags, params)
    assert os.environ["HPO_STUDY"] and os.environ["HPO_COORDINATOR"]
    for step in range(3):
        print(f"step={step} loss={params['x'] * (3 - step)} accuracy={0.25 * step}", flush=True)
    print("training done")
elif mode == "prune":
    if trial == 0:
        for step in range(3):
            print(f"step={step} loss=0.1", flush=True)
        sys.exit(0)
    sleeper = subprocess.Popen(["sleep", "600"])
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {sleeper.pid}\n")
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    for step in range(100000):
        print(f"step={step} loss=100", flush=True)
        time.sleep(0.05)
elif mode == "crash":
    print("loading", flush=True)
    raise ValueError(f"boom in trial {trial}")
elif mode == "share":
    with open(sys.argv[2], "a") as f:
        f.write(f"{trial}\n")
    time.sleep(0.1)
    print(f"loss={params['x']}")
elif mode == "sleep":
    with open(sys.argv[2], "w") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(600)
elif mode == "silent":
    print("no metrics here")
)py";

std::string Spec(const std::string& name, int max_trials, const std::string& extra = "") {
  return absl::StrCat("name: ", name, "\nmax_trials: ", max_trials,
                      "\nobjective: {metric: loss, direction: minimize}\n"
                      "sampler: {type: random, seed: 5}\n"
                      "params:\n  x: {type: float, low: 1.0, high: 2.0}\n",
                      extra);
}

// Gone: no such process, or a zombie nobody has reaped yet.
bool Gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string skip, state;
  stat >> skip >> skip >> state;
  return state == "Z";
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartCoordinator());
    script_ = cluster_.WriteFile("objective.py", kScript);
  }

  void CreateStudy(const std::string& yaml) {
    ASSERT_OK(cluster_.client().CreateStudy(ParseSpec(yaml), false).status());
  }

  // hpo agent ARGS -- python3 objective.py MODE SCRIPT_ARGS...
  std::vector<std::string> AgentArgv(const std::vector<std::string>& args, const std::string& mode,
                                     const std::vector<std::string>& script_args = {}) {
    std::vector<std::string> argv = {cluster_.Binary("client/hpo"), "--coordinator",
                                     cluster_.address(), "agent"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", kPython, script_, mode});
    argv.insert(argv.end(), script_args.begin(), script_args.end());
    return argv;
  }

  CommandResult RunAgent(const std::vector<std::string>& args, const std::string& mode,
                         const std::vector<std::string>& script_args = {}) {
    return cluster_.RunAs(AgentArgv(args, mode, script_args), std::nullopt, 120s);
  }

  client::ChildProcess StartAgent(const std::string& log, const std::vector<std::string>& args,
                                  const std::string& mode,
                                  const std::vector<std::string>& script_args = {}) {
    absl::StatusOr<client::ChildProcess> agent =
        client::ChildProcess::Start(AgentArgv(args, mode, script_args), cluster_.File(log));
    EXPECT_OK(agent.status());
    return *std::move(agent);
  }

  std::vector<v1::Trial> Trials(const std::string& study) {
    absl::StatusOr<std::vector<v1::Trial>> trials = cluster_.client().ListTrials(study);
    EXPECT_OK(trials.status());
    return trials.ok() ? *trials : std::vector<v1::Trial>{};
  }

  LocalCluster cluster_;
  std::string script_;
};

TEST_F(AgentTest, RecordsTheScriptsMetricsAndResult) {
  CreateStudy(Spec("curve", 3));
  CommandResult result = RunAgent({"curve"}, "curve");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("training done"));  // its output passes through
  std::vector<v1::Trial> trials = Trials("curve");
  ASSERT_EQ(trials.size(), 3u);
  for (const v1::Trial& trial : trials) {
    ASSERT_EQ(trial.state(), v1::Trial::COMPLETE) << trial.fail_reason();
    const double x = trial.params().at("x").float_value();
    ASSERT_EQ(trial.intermediate_values_size(), 3);
    for (int step = 0; step < 3; ++step) {
      EXPECT_EQ(trial.intermediate_values(step).step(), step);
      EXPECT_DOUBLE_EQ(trial.intermediate_values(step).value(), x * (3 - step));
    }
    EXPECT_DOUBLE_EQ(trial.value(), x);  // the objective's last value
    EXPECT_EQ(trial.user_attrs().at("accuracy"), 0.5);
  }
  EXPECT_EQ(cluster_.client().GetStudy("curve")->state(), v1::Study::COMPLETED);
}

TEST_F(AgentTest, APrunedTrialsProcessesAreGoneWithinTwoSeconds) {
  CreateStudy(Spec("prune", 2, "pruner: {type: median, n_startup_trials: 1, n_warmup_steps: 0}\n"));
  const std::string pids_file = cluster_.File("pids");
  client::ChildProcess agent = StartAgent("agent.log", {"prune"}, "prune", {pids_file});
  std::vector<v1::Trial> trials;
  ASSERT_TRUE(PollUntil(
      [&] {
        trials = Trials("prune");
        return trials.size() == 2 && trials[1].state() == v1::Trial::PRUNED;
      },
      60s))
      << "agent log: " << cluster_.Shell("cat agent.log").out;
  const auto pruned_at = std::chrono::steady_clock::now();
  std::ifstream in(pids_file);
  pid_t script = 0, sleeper = 0;
  ASSERT_TRUE(in >> script >> sleeper);
  // The script and what it started (its process group) are stopped.
  EXPECT_TRUE(PollUntil([&] { return Gone(script) && Gone(sleeper); }, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - pruned_at, 2s);
  EXPECT_GE(trials[1].intermediate_values_size(), 1);
  ASSERT_TRUE(PollUntil([&] { return !agent.Running(); }, 10s));
  EXPECT_EQ(agent.ExitDescription(), "exited with status 0");
}

TEST_F(AgentTest, ACrashingScriptFailsItsTrialsAndTripsTheFlappingGuard) {
  CreateStudy(Spec("crash", 10));
  CommandResult result = RunAgent({"crash"}, "crash");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("3 trials failed within 60 s"));
  std::vector<v1::Trial> trials = Trials("crash");
  ASSERT_EQ(trials.size(), 3u);  // no fourth was asked for
  for (const v1::Trial& trial : trials) {
    EXPECT_EQ(trial.state(), v1::Trial::FAILED);
    EXPECT_THAT(trial.fail_reason(), HasSubstr("exited with status 1"));
    EXPECT_THAT(trial.fail_reason(),
                HasSubstr(absl::StrCat("ValueError: boom in trial ", trial.number())));
  }
}

TEST_F(AgentTest, TwoAgentsShareOneStudyWithoutDuplicates) {
  CreateStudy(Spec("share", 10));
  const std::string ran = cluster_.File("ran");
  std::vector<client::ChildProcess> agents;
  agents.push_back(StartAgent("agent-a.log", {"share"}, "share", {ran}));
  agents.push_back(StartAgent("agent-b.log", {"share"}, "share", {ran}));
  ASSERT_TRUE(PollUntil([&] { return !agents[0].Running() && !agents[1].Running(); }, 60s));
  for (client::ChildProcess& agent : agents) {
    EXPECT_EQ(agent.ExitDescription(), "exited with status 0");
  }
  std::ifstream in(ran);
  std::vector<int> numbers;
  for (int number; in >> number;) numbers.push_back(number);
  std::sort(numbers.begin(), numbers.end());
  EXPECT_EQ(numbers, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));  // each trial ran once
  std::vector<v1::Trial> trials = Trials("share");
  ASSERT_EQ(trials.size(), 10u);
  for (const v1::Trial& trial : trials) EXPECT_EQ(trial.state(), v1::Trial::COMPLETE);
  // Both took part.
  EXPECT_THAT(cluster_.Shell("cat agent-a.log").out, HasSubstr("COMPLETE"));
  EXPECT_THAT(cluster_.Shell("cat agent-b.log").out, HasSubstr("COMPLETE"));
}

TEST_F(AgentTest, AnInterruptGivesTheTrialBack) {
  CreateStudy(Spec("interrupt", 3));
  const std::string pid_file = cluster_.File("pid");
  client::ChildProcess agent = StartAgent("agent.log", {"interrupt"}, "sleep", {pid_file});
  pid_t script = 0;
  ASSERT_TRUE(PollUntil([&] { return bool(std::ifstream(pid_file) >> script); }, 30s));
  agent.Stop(10s);  // SIGTERM, as Ctrl-C or systemd would
  EXPECT_EQ(agent.ExitDescription(), "exited with status 130");
  EXPECT_TRUE(PollUntil([&] { return Gone(script); }, 2s));
  std::vector<v1::Trial> trials = Trials("interrupt");
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state(), v1::Trial::FAILED);
  EXPECT_EQ(trials[1].state(), v1::Trial::WAITING);  // runs again, same params
  EXPECT_EQ(trials[1].retry_of(), 0);
}

TEST_F(AgentTest, TimeoutAndMissingObjectiveFailTheTrialSayingWhy) {
  CreateStudy(Spec("why", 5));
  CommandResult result =
      RunAgent({"why", "--count", "1", "--timeout", "0.5"}, "sleep", {cluster_.File("pid")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  result = RunAgent({"why", "--count", "1"}, "silent");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<v1::Trial> trials = Trials("why");
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state(), v1::Trial::FAILED);
  EXPECT_THAT(trials[0].fail_reason(), HasSubstr("ran longer than --timeout 0.5 s"));
  EXPECT_EQ(trials[1].state(), v1::Trial::FAILED);
  EXPECT_THAT(trials[1].fail_reason(), HasSubstr("without reporting the objective loss"));
  EXPECT_THAT(trials[1].fail_reason(), HasSubstr("loss=NUMBER"));
}

TEST_F(AgentTest, RefusesWhatCannotWorkBeforeAnyTrial) {
  CreateStudy(Spec("refuse", 5));
  CommandResult result =
      cluster_.RunAs({cluster_.Binary("client/hpo"), "--coordinator", cluster_.address(), "agent",
                      "refuse", "--", "no-such-command-hpo", "x"},
                     std::nullopt, 30s);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("no-such-command-hpo: command not found on PATH"));
  CreateStudy(R"yaml(
name: task
max_trials: 2
params:
  lr: {type: float, low: 0.01, high: 0.1}
task:
  dataset: {name: synthetic-regression}
  model: {type: linear}
  epochs: 1
)yaml");
  result = RunAgent({"task"}, "curve");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("has a task"));
  EXPECT_TRUE(Trials("refuse").empty());
  EXPECT_TRUE(Trials("task").empty());
}

}  // namespace
}  // namespace hpo::testing
