// hpo study create | list | show | stop
#include <iostream>
#include <memory>

#include "client/commands/commands.h"
#include "client/coordinator_client.h"
#include "client/trial_format.h"
#include "common/spec_loader.h"
#include "common/status_macros.h"

namespace hpo::client {
namespace {

struct StudyOptions {
  std::string spec_path;
  std::string name;
  std::string format = "table";
  bool load_if_exists = false;
};

absl::Status CreateStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(v1::StudySpec spec, LoadStudySpecFile(options.spec_path));
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.CreateStudy(spec, options.load_if_exists));
  if (format == Format::kJson) {
    std::cout << StudyToJson(study).dump(2) << "\n";
  } else {
    std::cout << "created study \"" << study.spec().name() << "\" (" << study.spec().sampler().type()
              << " sampler, seed " << study.spec().sampler().seed() << ")\n";
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
  ASSIGN_OR_RETURN(Format format, ParseFormat(options.format));
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.GetStudy(options.name));
  if (format == Format::kJson) {
    std::cout << StudyToJson(study).dump(2) << "\n";
  } else {
    PrintStudies({study}, format, std::cout);
  }
  return absl::OkStatus();
}

void PrintState(const v1::Study& study) {
  std::cout << "study \"" << study.spec().name() << "\" is " << v1::Study::State_Name(study.state())
            << "\n";
}

absl::Status StopStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.StopStudy(options.name));
  PrintState(study);
  return absl::OkStatus();
}

absl::Status ResumeStudy(const GlobalOptions& global, const StudyOptions& options) {
  ASSIGN_OR_RETURN(CoordinatorClient client, CoordinatorClient::Connect(global.connection));
  ASSIGN_OR_RETURN(v1::Study study, client.ResumeStudy(options.name));
  PrintState(study);
  return absl::OkStatus();
}

}  // namespace

void AddStudyCommands(CLI::App& app, const GlobalOptions& global, Action* action) {
  CLI::App* study = app.add_subcommand("study", "Create, list, show, stop and resume studies");
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

  CLI::App* show = study->add_subcommand("show", "Show one study");
  show->add_option("study", options->name, "Study name")->required();
  show->add_option("--format", options->format, "table or json")->capture_default_str();
  show->callback([&global, options, action] {
    *action = [&global, options] { return ShowStudy(global, *options); };
  });

  CLI::App* stop = study->add_subcommand("stop", "Stop handing out trials of a study");
  stop->add_option("study", options->name, "Study name")->required();
  stop->callback([&global, options, action] {
    *action = [&global, options] { return StopStudy(global, *options); };
  });

  CLI::App* resume =
      study->add_subcommand("resume", "Hand out trials of a PAUSED or STOPPED study again");
  resume->add_option("study", options->name, "Study name")->required();
  resume->callback([&global, options, action] {
    *action = [&global, options] { return ResumeStudy(global, *options); };
  });
}

}  // namespace hpo::client
