// hpo agent STUDY [--count N] [--timeout S] -- COMMAND ARGS...: runs the
// user's command once per trial (see client/agent.h).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/agent.h"
#include "client/commands/commands.h"
#include "client/interrupts.h"
#include "common/command_line.h"
#include "common/coordinator_client.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

struct AgentFlags {
  AgentOptions agent;
  double timeout_s = 0;
  double stop_grace_s = 10;
};

std::chrono::milliseconds Milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

absl::Status RunAgent(const GlobalOptions& global, AgentFlags flags) {
  InstallInterruptHandlers();  // before any child starts: see interrupts.h
  flags.agent.timeout = Milliseconds(flags.timeout_s);
  flags.agent.stop_grace = Milliseconds(flags.stop_grace_s);
  // Like a worker, an agent rides out a coordinator that restarts; its
  // trials hold leases, so a call applied twice leaves nothing behind.
  RetryPolicy policy;
  policy.retry_for = kRetryForever;
  policy.stop = &Interrupted();
  policy.on_retry = [](const absl::Status& status, std::chrono::milliseconds wait) {
    std::cerr << "hpo agent: " << status.message() << ", retrying in " << wait.count() << " ms\n";
  };
  ASSIGN_OR_RETURN(CoordinatorClient client,
                   CoordinatorClient::Connect(global.connection, std::move(policy)));
  Agent agent(&client, std::move(flags.agent), std::cerr);
  return agent.Run();
}

}  // namespace

void AddAgentCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto flags = std::make_shared<AgentFlags>();
  CLI::App* agent = app.add_subcommand(
      "agent",
      "Run COMMAND once per trial of a study: {name} in its arguments (or --name=value "
      "appended) and $HPO_PARAMS give the parameters; NAME=NUMBER lines on its stdout report "
      "metrics (step=N for an intermediate value); the objective's last value is the result");
  agent->add_option("study", flags->agent.study, "Study name (a study without a task)")->required();
  agent->add_option("command", flags->agent.command, "-- COMMAND ARGS...: what runs a trial")
      ->required();
  AddParsedOption(*agent, "--count", &flags->agent.count,
                  "Trials to run, then exit (default: until the study is over)", ParseCount);
  AddParsedOption(*agent, "--timeout", &flags->timeout_s,
                  "Seconds a trial may run before it is stopped and FAILED (default: no limit)",
                  [](absl::string_view text) { return ParseNumberInRange(text, 0, 1e9); });
  AddParsedOption(*agent, "--stop-grace", &flags->stop_grace_s,
                  "Seconds from SIGTERM to SIGKILL when a trial's command is stopped",
                  [](absl::string_view text) { return ParseNumberInRange(text, 0, 3600); })
      ->default_str("10");
  agent->callback([&global, flags, action] {
    *action = [&global, flags] { return RunAgent(global, *flags); };
  });
}

}  // namespace hpo::client
