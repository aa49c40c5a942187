// hpo watch STUDY: follow a study until it is done.
#include <chrono>
#include <iostream>
#include <memory>

#include "client/commands/commands.h"
#include "client/study_watcher.h"
#include "client/trial_format.h"
#include "common/coordinator_client.h"
#include "common/status_macros.h"

namespace hpo::client {

// How long hpo watch waits for a coordinator that stopped answering (a
// restart takes seconds; its workers wait for it the same way).
constexpr std::chrono::seconds kReconnectFor(600);

void AddWatchCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto study = std::make_shared<std::string>();
  CLI::App* watch = app.add_subcommand("watch", "Print trials as they finish until the study ends");
  watch->add_option("study", *study, "Study name")->required();
  watch->callback([&global, study, action] {
    *action = [&global, study]() -> absl::Status {
      ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
      ASSIGN_OR_RETURN(v1::Study done, WatchStudy(
                                           client, *study, std::cout, [] { return true; },
                                           std::chrono::milliseconds(1000), kReconnectFor));
      std::cout << "study \"" << *study << "\" is " << v1::Study::State_Name(done.state())
                << (done.state_reason().empty() ? "" : ": " + EscapeControl(done.state_reason()))
                << "\n";
      return absl::OkStatus();
    };
  });
}

}  // namespace hpo::client
