// The command line and environment `hpo agent` runs a trial's command with,
// as W&B's agent and Katib's trial template do: `{name}` placeholders in the
// arguments are replaced by the trial's values; a command without any gets
// `--name=value` appended for each parameter. The environment says which trial
// it is (HPO_STUDY, HPO_TRIAL), its parameters as JSON (HPO_PARAMS) and where
// the coordinator is (HPO_COORDINATOR), so that a script can also use the
// Python client.
#ifndef HPO_CLIENT_TRIAL_COMMAND_H_
#define HPO_CLIENT_TRIAL_COMMAND_H_

#include <string>
#include <vector>

#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::client {

struct TrialCommand {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // NAME=VALUE, on top of the agent's environment
};

TrialCommand BuildTrialCommand(const std::vector<std::string>& command, const v1::Trial& trial,
                               const v1::StudySpec& spec, const std::string& coordinator_address);

// The parameters of `spec` that no `{name}` in `command` mentions, when it
// mentions any (they reach the command in HPO_PARAMS only); empty otherwise.
std::vector<std::string> ParamsNotInCommand(const std::vector<std::string>& command,
                                            const v1::StudySpec& spec);

}  // namespace hpo::client

#endif  // HPO_CLIENT_TRIAL_COMMAND_H_
