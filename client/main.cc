// hpo: the command-line client of the hpo coordinator.
#include <iostream>

#include "CLI/CLI.hpp"
#include "client/commands/commands.h"
#include "client/coordinator_client.h"

int main(int argc, char** argv) {
  CLI::App app{"hpo: hyperparameter search with a coordinator and workers"};
  app.require_subcommand(1);
  hpo::client::GlobalOptions global;
  global.coordinator = hpo::client::DefaultCoordinatorAddress();
  app.add_option("--coordinator", global.coordinator,
                 "Coordinator address (default: $HPO_COORDINATOR or 127.0.0.1:50051)")
      ->capture_default_str();
  // Subcommands (added below, inheriting this) accept --coordinator after their name too.
  app.fallthrough();
  hpo::client::Action action;
  hpo::client::AddStudyCommands(app, global, &action);
  hpo::client::AddTrialCommands(app, global, &action);
  hpo::client::AddAskTellCommands(app, global, &action);
  hpo::client::AddWatchCommand(app, global, &action);
  hpo::client::AddRunCommand(app, global, &action);
  CLI11_PARSE(app, argc, argv);
  if (!action) return 0;
  absl::Status status = action();
  if (!status.ok()) {
    std::cerr << "hpo: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
