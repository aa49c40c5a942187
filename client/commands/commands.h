// The subcommands of `hpo`. Each Add*Commands registers its subcommands on
// `app`; when one of them is chosen on the command line, its callback stores
// the work to do in *action, which main() runs after parsing.
#ifndef HPO_CLIENT_COMMANDS_COMMANDS_H_
#define HPO_CLIENT_COMMANDS_COMMANDS_H_

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "common/connection.h"

namespace hpo::client {

struct GlobalOptions {
  ConnectionFlags connection;  // how to reach the coordinator
};

using Action = std::function<absl::Status()>;

void AddStudyCommands(CLI::App& app, const GlobalOptions& global, Action* action);
void AddTrialCommands(CLI::App& app, const GlobalOptions& global, Action* action);
void AddAskTellCommands(CLI::App& app, const GlobalOptions& global, Action* action);
void AddWatchCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void AddRunCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void AddAgentCommand(CLI::App& app, const GlobalOptions& global, Action* action);
void AddHealthCommand(CLI::App& app, const GlobalOptions& global, Action* action);

}  // namespace hpo::client

#endif  // HPO_CLIENT_COMMANDS_COMMANDS_H_
