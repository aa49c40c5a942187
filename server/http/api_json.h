// The bodies of the dashboard's JSON API (/api/, see README "Web dashboard"):
// conversions of what the coordinator answers, no logic of their own.
#ifndef HPO_SERVER_HTTP_API_JSON_H_
#define HPO_SERVER_HTTP_API_JSON_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hpo/v1/coordinator.pb.h"
#include "server/analysis/study_snapshot.h"
#include "server/coordinator.h"

namespace hpo::server {

// {"studies": [study, ...]}
std::string StudiesJson(const std::vector<v1::Study>& studies);
// A study with its search space: "params", "user_attr_names", "n_trials".
std::string StudyJson(const v1::Study& study);
// {"trials": [...], "next_after": N | null}
std::string TrialsJson(const v1::ListTrialsResponse& page, const v1::StudySpec& spec,
                       bool intermediate_values);
// {"trials": [...], "revision": R, "more": bool}
std::string ChangedTrialsJson(const Coordinator::ChangedTrials& changed, const v1::StudySpec& spec,
                              bool intermediate_values);
std::string TrialJson(const v1::Trial& trial, const v1::StudySpec& spec);
// {"n_complete", "history": [[number, value]], "best": [[number, best]],
//  "curves": [{"number", "state", "steps": [[step, value]]}]}
std::string SeriesJson(const StudySnapshot& snapshot, size_t max_points);
// {"method", "n_trials", "importances": [{"param", "importance"}]}
std::string ImportancesJson(const v1::GetParamImportancesResponse& importances);
// {"error": {"code": HTTP status, "message": ...}}
std::string ErrorJson(int http_status, const std::string& message);
// The HTTP status for an error the coordinator answered.
int HttpStatus(const absl::Status& status);

}  // namespace hpo::server

#endif  // HPO_SERVER_HTTP_API_JSON_H_
