// hpo study create | list | show | stop | resume | update | delete
#include <iostream>
#include <memory>
#include <optional>

#include "client/commands/commands.h"
#include "client/trial_format.h"
#include "common/coordinator_client.h"
#include "common/spec_diff.h"
#include "common/spec_loader.h"
#include "common/spec_writer.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

struct StudyOptions {
  std::string spec_path;
  std::string name;
  std::string format = "table";
  bool load_if_exists = false;
  bool drain = false;
  bool force = false;
  // update: a new spec file, or single settings (unset: unchanged).
  std::optional<int32_t> max_trials;
  std::optional<double> lease_seconds;
  std::optional<int32_t> max_retries;
};

absl::Status CreateStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(v1::StudySpec spec, LoadStudySpecFile(options.spec_path));
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  const bool existed = options.load_if_exists && client.GetStudy(spec.name()).ok();
  absl::StatusOr<v1::Study> study = client.CreateStudy(spec, options.load_if_exists);
  if (absl::IsAlreadyExists(study.status())) {
    return absl::AlreadyExistsError(
        absl::StrCat(study.status().message(),
                     options.load_if_exists
                         ? absl::StrCat(" (hpo study update ", spec.name(),
                                        " --spec FILE, or hpo study delete ", spec.name(), ")")
                         : " (hpo study create --load-if-exists goes on with it)"));
  }
  if (!study.ok()) return study.status();
  if (format == Format::kJson) {
    std::cout << StudyToJson(*study).dump(2) << "\n";
  } else {
    std::cout << (existed ? "loaded existing study \"" : "created study \"") << study->spec().name()
              << "\" (" << study->spec().sampler().type() << " sampler, seed "
              << study->spec().sampler().seed();
    if (existed) {
      std::cout << ", " << TrialCount(*study) << " trials, "
                << v1::Study::State_Name(study->state());
    }
    std::cout << ")\n";
  }
  return absl::OkStatus();
}

absl::Status ListStudies(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(std::vector<v1::Study> studies, client.ListStudies());
  PrintStudies(studies, format, std::cout);
  return absl::OkStatus();
}

absl::Status ShowStudy(const GlobalOptions& global, const StudyOptions& options) {
  const bool yaml = options.format == "yaml";
  Format format = Format::kTable;
  if (!yaml) {
    ASSIGN_OR_RETURN(format, ParseFormat(options.format));
  }
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.name));
  if (yaml) {
    std::cout << StudySpecToYaml(study.spec());  // a spec file: edit it, update with it
  } else if (format == Format::kJson) {
    std::cout << StudyToJson(study).dump(2) << "\n";
  } else {
    PrintStudies({study}, format, std::cout);
    if (format == Format::kTable) {
      std::cout << "\nspec (hpo study show " << study.spec().name() << " --format yaml):\n";
      std::cout << EscapeControl(StudySpecToYaml(study.spec()), /*keep_newlines=*/true);
    }
  }
  return absl::OkStatus();
}

void PrintState(const v1::Study& study) {
  std::cout << "study \"" << study.spec().name() << "\" is " << v1::Study::State_Name(study.state())
            << "\n";
}

absl::Status StopStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.StopStudy(options.name, options.drain));
  PrintState(study);
  if (study.state() == v1::Study::DRAINING) {
    std::cout << "its running trials finish and keep their results; then it is STOPPED\n";
  }
  return absl::OkStatus();
}

absl::Status ResumeStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  absl::StatusOr<v1::Study> study = client.ResumeStudy(options.name);
  if (absl::IsFailedPrecondition(study.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        study.status().message(), "; e.g. hpo study update ", options.name, " --max-trials N"));
  }
  if (!study.ok()) return study.status();
  PrintState(*study);
  return absl::OkStatus();
}

absl::Status UpdateStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study before, client.GetStudy(options.name));
  v1::StudySpec spec = before.spec();
  if (!options.spec_path.empty()) {
    ASSIGN_OR_RETURN(spec, LoadStudySpecFile(options.spec_path));
    if (spec.name() != options.name) {
      return absl::InvalidArgumentError(absl::StrCat(options.spec_path, ": name is \"", spec.name(),
                                                     "\", not \"", options.name, "\""));
    }
  }
  if (options.max_trials) spec.set_max_trials(*options.max_trials);
  if (options.lease_seconds) spec.set_lease_seconds(*options.lease_seconds);
  if (options.max_retries) spec.set_max_retries(*options.max_retries);
  absl::StatusOr<v1::Study> after = client.UpdateStudy(spec);
  if (absl::IsFailedPrecondition(after.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        after.status().message(), " (hpo study delete ", options.name, ", then create it again)"));
  }
  if (!after.ok()) return after.status();
  const std::vector<SpecChange> changes = DiffStudySpecs(before.spec(), after->spec());
  if (changes.empty()) std::cout << "study \"" << options.name << "\": nothing to change\n";
  for (const SpecChange& change : changes) {
    std::cout << "study \"" << options.name << "\": " << EscapeControl(FormatSpecChange(change))
              << "\n";
  }
  PrintState(*after);
  if (after->state() == v1::Study::PAUSED || after->state() == v1::Study::STOPPED) {
    std::cout << "hpo study resume " << options.name << " to go on\n";
  }
  return absl::OkStatus();
}

absl::Status DeleteStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  absl::Status deleted = client.DeleteStudy(options.name, options.force);
  if (absl::IsFailedPrecondition(deleted)) {
    return absl::FailedPreconditionError(
        absl::StrCat(deleted.message(), " (hpo study stop ", options.name,
                     " --drain, or hpo study delete ", options.name, " --force)"));
  }
  RETURN_IF_ERROR(deleted);
  std::cout << "deleted study \"" << options.name << "\" and its trials\n";
  return absl::OkStatus();
}

}  // namespace

void AddStudyCommands(CLI::App& app, const GlobalOptions& global, Action* action) {
  CLI::App* study =
      app.add_subcommand("study", "Create, list, show, stop, resume, update and delete studies");
  study->require_subcommand(1);
  auto options = std::make_shared<StudyOptions>();

  CLI::App* create = study->add_subcommand("create", "Create a study from a YAML spec");
  create->add_option("--spec", options->spec_path, "Study spec file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  create->add_flag("--load-if-exists", options->load_if_exists,
                   "Succeed if a study of that name and spec already exists");
  create->add_option("--format", options->format, "table or json")->capture_default_str();
  create->callback([&global, options, action] {
    *action = [&global, options] { return CreateStudy(global, *options); };
  });

  CLI::App* list = study->add_subcommand("list", "List studies");
  list->add_option("--format", options->format, "table, json or csv")->capture_default_str();
  list->callback([&global, options, action] {
    *action = [&global, options] { return ListStudies(global, *options); };
  });

  CLI::App* show =
      study->add_subcommand("show", "Show one study: state, counts by trial state and its spec");
  show->add_option("study", options->name, "Study name")->required();
  show->add_option("--format", options->format, "table, json or yaml (the spec as a spec file)")
      ->capture_default_str();
  show->callback([&global, options, action] {
    *action = [&global, options] { return ShowStudy(global, *options); };
  });

  CLI::App* stop = study->add_subcommand("stop", "Stop handing out trials of a study");
  stop->add_option("study", options->name, "Study name")->required();
  stop->add_flag("--drain", options->drain,
                 "Let running trials finish and keep their results (else they are stopped)");
  stop->callback([&global, options, action] {
    *action = [&global, options] { return StopStudy(global, *options); };
  });

  CLI::App* resume = study->add_subcommand(
      "resume", "Hand out trials of a PAUSED, STOPPED or DRAINING study again");
  resume->add_option("study", options->name, "Study name")->required();
  resume->callback([&global, options, action] {
    *action = [&global, options] { return ResumeStudy(global, *options); };
  });

  CLI::App* update = study->add_subcommand(
      "update",
      "Change what a live study may change: max_trials, lease_seconds, max_retries, pruner, "
      "task.dataset.path and test_path");
  update->add_option("study", options->name, "Study name")->required();
  update
      ->add_option("--spec", options->spec_path,
                   "A spec file of the same name (e.g. from hpo study show --format yaml)")
      ->check(CLI::ExistingFile);
  update->add_option("--max-trials", options->max_trials, "Trials to run in all (0: no limit)");
  update->add_option("--lease-seconds", options->lease_seconds, "Lease of a trial, in seconds");
  update->add_option("--max-retries", options->max_retries,
                     "Retries of a trial whose lease lapsed");
  update->callback([&global, options, action] {
    *action = [&global, options] { return UpdateStudy(global, *options); };
  });

  CLI::App* remove = study->add_subcommand("delete", "Delete a study and its trials");
  remove->add_option("study", options->name, "Study name")->required();
  remove->add_flag("--force", options->force, "Delete even while trials are RUNNING");
  remove->callback([&global, options, action] {
    *action = [&global, options] { return DeleteStudy(global, *options); };
  });
}

}  // namespace hpo::client
