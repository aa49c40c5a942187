// hpo trials STUDY | hpo best STUDY
#include <iostream>
#include <memory>

#include "client/commands/commands.h"
#include "client/coordinator_client.h"
#include "client/trial_format.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

struct TrialOptions {
  std::string study;
  std::string format = "table";
};

absl::Status ListTrials(const GlobalOptions& global, const TrialOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.study));
  TrialPrinter printer(study.spec(),
                      {study.user_attr_names().begin(), study.user_attr_names().end()}, format,
                      std::cout);
  RETURN_IF_ERROR(client.ForEachTrial(options.study, 0,
                                      [&](const v1::Trial& trial) { printer.Add(trial); }));
  printer.Finish();
  return absl::OkStatus();
}

absl::Status BestTrial(const GlobalOptions& global, const TrialOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.study));
  ASSIGN_OR_RETURN(v1::Trial best, client.GetBestTrial(options.study));
  PrintTrial(best, study.spec(), format, std::cout);
  return absl::OkStatus();
}

}  // namespace

void AddTrialCommands(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto options = std::make_shared<TrialOptions>();
  CLI::App* trials = app.add_subcommand("trials", "List the trials of a study");
  trials->add_option("study", options->study, "Study name")->required();
  trials->add_option("--format", options->format, "table, json or csv")->capture_default_str();
  trials->callback([&global, options, action] {
    *action = [&global, options] { return ListTrials(global, *options); };
  });

  CLI::App* best = app.add_subcommand("best", "Show the best COMPLETE trial of a study");
  best->add_option("study", options->study, "Study name")->required();
  best->add_option("--format", options->format, "table or json")->capture_default_str();
  best->callback([&global, options, action] {
    *action = [&global, options] { return BestTrial(global, *options); };
  });
}

}  // namespace hpo::client
