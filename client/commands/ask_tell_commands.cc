// hpo ask STUDY | hpo tell STUDY --trial N --value V: any program, in any
// language, can be the objective.
#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "client/trial_format.h"
#include "common/command_line.h"
#include "common/coordinator_client.h"
#include "common/param_assignment.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

struct AskTellOptions {
  std::string study;
  std::string format = "json";          // ask
  std::string report_format = "table";  // report
  int64_t trial = -1;
  double value = 0;
  bool has_value = false;
  int64_t step = 0;
  std::string state = "complete";
  std::string reason;
  bool lease = false;    // ask
  std::string lease_id;  // tell, report, heartbeat
  std::vector<std::string> attrs;  // tell, enqueue: KEY=NUMBER
  std::vector<std::string> sets;   // enqueue: NAME=VALUE
};

// --attr KEY=NUMBER, repeated, as user attributes.
absl::Status ParseAttrs(const std::vector<std::string>& attrs,
                        google::protobuf::Map<std::string, double>* out) {
  for (const std::string& attr : attrs) {
    const size_t eq = attr.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--attr: expected KEY=NUMBER (got \"", attr, "\")"));
    }
    absl::StatusOr<double> value = ParseNumber(absl::string_view(attr).substr(eq + 1));
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--attr ", attr.substr(0, eq), ": ", value.status().message()));
    }
    (*out)[attr.substr(0, eq)] = *value;
  }
  return absl::OkStatus();
}

v1::TrialRef Ref(const AskTellOptions& options) {
  v1::TrialRef ref;
  ref.set_study_name(options.study);
  ref.set_trial_number(options.trial);
  ref.set_lease_id(options.lease_id);
  return ref;
}

absl::Status Ask(const GlobalOptions& global, const AskTellOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.study));
  ASSIGN_OR_RETURN(v1::AskResponse asked, client.Ask(options.study, options.lease));
  const v1::Trial& trial = asked.trial();
  if (format == Format::kJson) {
    nlohmann::ordered_json json = TrialToJson(trial, study.spec());
    // One line, so a shell loop can read it.
    nlohmann::ordered_json line{{"number", json["number"]}, {"params", json["params"]}};
    if (options.lease) {
      line["lease_id"] = asked.lease().lease_id();
      line["lease_expire_time_ms"] = asked.lease().expire_time_ms();
    }
    std::cout << line.dump() << "\n";
  } else {
    PrintTrial(trial, study.spec(), format, std::cout);
    if (options.lease) std::cout << "lease_id: " << asked.lease().lease_id() << "\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Trial::State> ParseTellState(const std::string& text) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "complete") return v1::Trial::COMPLETE;
  if (lower == "fail" || lower == "failed") return v1::Trial::FAILED;
  if (lower == "pruned" || lower == "prune") return v1::Trial::PRUNED;
  return absl::InvalidArgumentError(
      absl::StrCat("--state: unknown state \"", text, "\" (expected complete, fail or pruned)"));
}

absl::Status Tell(const GlobalOptions& global, const AskTellOptions& options) {
  ASSIGN_OR_RETURN(v1::Trial::State state, ParseTellState(options.state));
  v1::TellRequest request;
  request.set_study_name(options.study);
  request.set_trial_number(options.trial);
  request.set_state(state);
  if (options.has_value) request.set_value(options.value);
  request.set_fail_reason(options.reason);
  request.set_lease_id(options.lease_id);
  RETURN_IF_ERROR(ParseAttrs(options.attrs, request.mutable_user_attrs()));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Trial trial, client.Tell(request));
  std::cout << "trial " << trial.number() << " of study \"" << trial.study_name() << "\" is "
            << v1::Trial::State_Name(trial.state()) << "\n";
  return absl::OkStatus();
}

// A trial with the given params, handed out before sampled ones.
absl::Status Enqueue(const GlobalOptions& global, const AskTellOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.study));
  v1::EnqueueTrialRequest request;
  request.set_study_name(options.study);
  ASSIGN_OR_RETURN(*request.mutable_params(), ParseParamAssignments(study.spec(), options.sets));
  RETURN_IF_ERROR(ParseAttrs(options.attrs, request.mutable_user_attrs()));
  ASSIGN_OR_RETURN(v1::Trial trial, client.EnqueueTrial(request));
  std::cout << "trial " << trial.number() << " of study \"" << trial.study_name()
            << "\" is WAITING: the next trial handed out"
            << (trial.params_size() < study.spec().params_size()
                    ? " (the parameters not set are sampled then)"
                    : "")
            << "\n";
  return absl::OkStatus();
}

// Prints "prune" or "continue", so a shell loop can test it; with --format
// json, {"should_prune": true|false}.
absl::Status Report(const GlobalOptions& global, const AskTellOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.report_format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::ReportIntermediateResponse response,
                   client.Report(Ref(options), options.step, options.value));
  if (response.ignored()) {
    std::cerr << "hpo: step " << options.step << " of trial " << options.trial << " of "
              << options.study << " was already reported (value " << response.recorded_value()
              << "); this value is ignored, as in Optuna\n";
  }
  if (format == Format::kJson) {
    std::cout << nlohmann::json{{"should_prune", response.should_prune()}}.dump() << "\n";
  } else {
    std::cout << (response.should_prune() ? "prune" : "continue") << "\n";
  }
  return absl::OkStatus();
}

// Prints the lease's new expiry (unix ms), or "stop" when the study stopped.
absl::Status Heartbeat(const GlobalOptions& global, const AskTellOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::HeartbeatResponse response, client.Heartbeat(Ref(options)));
  if (response.should_stop()) {
    std::cout << "stop\n";
  } else {
    std::cout << response.lease_expire_time_ms() << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddAskTellCommands(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto options = std::make_shared<AskTellOptions>();
  CLI::App* ask = app.add_subcommand("ask", "Start a trial and print its parameters");
  ask->add_option("study", options->study, "Study name")->required();
  ask->add_option("--format", options->format, "json (one line) or table")->capture_default_str();
  ask->add_flag("--lease", options->lease,
                "Hold the trial under the study's lease: keep it with hpo heartbeat (or hpo "
                "report) and pass the printed lease_id to tell; when the lease lapses the trial "
                "fails and is retried");
  ask->callback([&global, options, action] {
    *action = [&global, options] { return Ask(global, *options); };
  });

  CLI::App* tell = app.add_subcommand("tell", "Report the result of an asked trial");
  tell->add_option("study", options->study, "Study name")->required();
  AddParsedOption(*tell, "--trial", &options->trial, "Trial number printed by `hpo ask`",
                  ParseCount)
      ->required();
  CLI::Option* value = AddParsedOption(*tell, "--value", &options->value,
                                       "Objective value (required to complete)", ParseNumber);
  tell->add_option("--state", options->state, "complete, fail or pruned")->capture_default_str();
  tell->add_option("--reason", options->reason, "Why the trial failed");
  tell->add_option("--lease-id", options->lease_id, "The lease_id of a trial asked with --lease");
  tell->add_option("--attr", options->attrs,
                   "KEY=NUMBER: a user attribute to record with the trial (repeatable)");
  CLI::App* enqueue = app.add_subcommand(
      "enqueue", "Queue a trial with given parameters, handed out before sampled ones");
  enqueue->add_option("study", options->study, "Study name")->required();
  enqueue->add_option("--set", options->sets,
                      "NAME=VALUE for a parameter (repeatable); the others are sampled");
  enqueue->add_option("--attr", options->attrs,
                      "KEY=NUMBER: a user attribute to record with the trial (repeatable)");
  enqueue->callback([&global, options, action] {
    *action = [&global, options] { return Enqueue(global, *options); };
  });
  CLI::App* report = app.add_subcommand(
      "report", "Report an asked trial's value at a step; prints prune or continue");
  report->add_option("study", options->study, "Study name")->required();
  AddParsedOption(*report, "--trial", &options->trial, "Trial number printed by `hpo ask`",
                  ParseCount)
      ->required();
  AddParsedOption(*report, "--step", &options->step, "Step (e.g. epoch) of the value", ParseCount)
      ->required();
  AddParsedOption(*report, "--value", &options->value, "Intermediate objective value", ParseNumber)
      ->required();
  report->add_option("--format", options->report_format, "table (prune|continue) or json")
      ->capture_default_str();
  report->add_option("--lease-id", options->lease_id,
                     "The lease_id of a trial asked with --lease (the report extends it)");
  CLI::App* heartbeat = app.add_subcommand(
      "heartbeat", "Extend the lease of a trial asked with --lease; prints its expiry or stop");
  heartbeat->add_option("study", options->study, "Study name")->required();
  AddParsedOption(*heartbeat, "--trial", &options->trial, "Trial number printed by `hpo ask`",
                  ParseCount)
      ->required();
  heartbeat->add_option("--lease-id", options->lease_id, "The lease_id printed by `hpo ask`")
      ->required();
  heartbeat->callback([&global, options, action] {
    *action = [&global, options] { return Heartbeat(global, *options); };
  });
  report->callback([&global, options, action] {
    *action = [&global, options] { return Report(global, *options); };
  });

  tell->callback([&global, options, action, value] {
    options->has_value = value->count() > 0;
    *action = [&global, options] { return Tell(global, *options); };
  });
}

}  // namespace hpo::client
