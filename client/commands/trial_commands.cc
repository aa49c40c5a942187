// hpo trials STUDY | hpo best STUDY | hpo importance STUDY
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/commands/commands.h"
#include "client/trial_format.h"
#include "common/command_line.h"
#include "common/coordinator_client.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

struct TrialOptions {
  std::string study;
  std::string format = "table";
  std::string state;  // empty: every state
  std::string sort = "number";
  int64_t limit = 0;  // 0: all
};

// --state as a Trial.State, in any case.
absl::StatusOr<v1::Trial::State> ParseTrialState(const std::string& text) {
  v1::Trial::State state;
  if (v1::Trial::State_Parse(absl::AsciiStrToUpper(text), &state) &&
      state != v1::Trial::STATE_UNSPECIFIED) {
    return state;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--state: unknown state \"", text,
                   "\" (expected waiting, running, complete, pruned or failed)"));
}

absl::Status ListTrials(const GlobalOptions& global, const TrialOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  std::optional<v1::Trial::State> state;
  if (!options.state.empty()) {
    ASSIGN_OR_RETURN(state, ParseTrialState(options.state));
  }
  if (options.sort != "number" && options.sort != "value") {
    return absl::InvalidArgumentError(
        absl::StrCat("--sort: unknown order \"", options.sort, "\" (expected number or value)"));
  }
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.study));
  std::optional<int64_t> best;
  if (study.has_best_trial()) best = study.best_trial().number();
  TrialPrinter printer(study.spec(),
                       {study.user_attr_names().begin(), study.user_attr_names().end()}, format,
                       std::cout, best);
  const bool by_value = options.sort == "value";
  std::vector<v1::Trial> kept;  // by value: all of them first, then sorted
  int64_t printed = 0;
  RETURN_IF_ERROR(client.ForEachTrial(options.study, 0, [&](const v1::Trial& trial) {
    if (state.has_value() && trial.state() != *state) return;
    if (by_value) {
      kept.push_back(trial);
    } else if (options.limit == 0 || printed < options.limit) {
      printer.Add(trial);
      ++printed;
    }
  }));
  if (by_value) {
    // Best first for the study's direction; trials without a value last.
    const bool maximize = study.spec().direction() == v1::MAXIMIZE;
    std::stable_sort(kept.begin(), kept.end(), [maximize](const v1::Trial& a, const v1::Trial& b) {
      if (a.has_value() != b.has_value()) return a.has_value();
      return maximize ? a.value() > b.value() : a.value() < b.value();
    });
    if (options.limit > 0 && static_cast<int64_t>(kept.size()) > options.limit) {
      kept.resize(options.limit);
    }
    for (const v1::Trial& trial : kept) printer.Add(trial);
  }
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

absl::Status Importance(const GlobalOptions& global, const TrialOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  if (format == Format::kCsv) return absl::InvalidArgumentError("--format: table or json");
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::GetParamImportancesResponse importances,
                   client.GetParamImportances(options.study));
  if (format == Format::kJson) {
    std::cout << ImportancesToJson(importances).dump(2) << "\n";
    return absl::OkStatus();
  }
  size_t width = 5;  // "param"
  for (const v1::ParamImportance& entry : importances.importances()) {
    width = std::max(width, EscapeControl(entry.param()).size());
  }
  std::cout << absl::StrFormat("%-*s  importance\n", width, "param");
  for (const v1::ParamImportance& entry : importances.importances()) {
    std::cout << absl::StrFormat("%-*s  %.4f\n", width, EscapeControl(entry.param()),
                                 entry.importance());
  }
  std::cout << "(" << importances.method() << " over " << importances.n_trials()
            << " COMPLETE trials: how much each param sets the top 10% apart)\n";
  return absl::OkStatus();
}

}  // namespace

void AddTrialCommands(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto options = std::make_shared<TrialOptions>();
  CLI::App* trials = app.add_subcommand("trials", "List the trials of a study");
  trials->add_option("study", options->study, "Study name")->required();
  trials->add_option("--format", options->format, "table, json or csv")->capture_default_str();
  trials->add_option("--state", options->state,
                     "Only trials in this state (waiting, running, complete, pruned, failed)");
  trials->add_option("--sort", options->sort, "number, or value (best first)")
      ->capture_default_str();
  AddParsedOption(*trials, "--limit", &options->limit, "At most this many trials (0: all)",
                  ParseCount);
  trials->callback([&global, options, action] {
    *action = [&global, options] { return ListTrials(global, *options); };
  });

  CLI::App* best = app.add_subcommand("best", "Show the best COMPLETE trial of a study");
  best->add_option("study", options->study, "Study name")->required();
  best->add_option("--format", options->format, "table or json")->capture_default_str();
  best->callback([&global, options, action] {
    *action = [&global, options] { return BestTrial(global, *options); };
  });

  CLI::App* importance = app.add_subcommand(
      "importance", "How much each param mattered for the best trials (PED-ANOVA, as Optuna's)");
  importance->add_option("study", options->study, "Study name")->required();
  importance->add_option("--format", options->format, "table or json")->capture_default_str();
  importance->callback([&global, options, action] {
    *action = [&global, options] { return Importance(global, *options); };
  });
}

}  // namespace hpo::client
