// hpo: the command-line client of the hpo coordinator.
#include <iostream>
#include <optional>

#include "CLI/CLI.hpp"
#include "client/commands/commands.h"
#include "client/interrupts.h"
#include "common/command_line.h"

int main(int argc, char** argv) {
  CLI::App app{"hpo: hyperparameter search with a coordinator and workers"};
  app.require_subcommand(1);
  hpo::client::GlobalOptions global;
  hpo::AddConnectionFlags(app, &global.connection);
  // Subcommands (added below, inheriting this) accept --coordinator after their name too.
  app.fallthrough();
  hpo::client::Action action;
  hpo::client::AddStudyCommands(app, global, &action);
  hpo::client::AddTrialCommands(app, global, &action);
  hpo::client::AddAskTellCommands(app, global, &action);
  hpo::client::AddWatchCommand(app, global, &action);
  hpo::client::AddRunCommand(app, global, &action);
  hpo::client::AddAgentCommand(app, global, &action);
  hpo::client::AddHealthCommand(app, global, &action);
  if (std::optional<int> exit_code = hpo::ParseCommandLine(app, argc, argv, "hpo")) {
    return *exit_code;
  }
  if (!action) return 0;
  absl::Status status = action();
  if (!status.ok()) {
    std::cerr << "hpo: " << status.message() << "\n";
    // After Ctrl-C (hpo run, hpo agent), 130, as a shell reports a program
    // that Ctrl-C stopped.
    return hpo::client::Interrupts() > 0 ? 130 : 1;
  }
  return 0;
}
