// Trials and studies as JSON, one shape for every reader: `hpo trials
// --format json`, `hpo study show`, and the coordinator's /api/ for the web
// page and scripts. Keys follow Optuna's trials_dataframe where it has one.
#ifndef HPO_COMMON_TRIAL_JSON_H_
#define HPO_COMMON_TRIAL_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "hpo/v1/coordinator.pb.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"
#include "nlohmann/json.hpp"

namespace hpo {

// "2026-12-07T05:25:47.471Z" (UTC, milliseconds); "" for 0 or less.
std::string IsoTime(int64_t unix_ms);

struct TrialJsonOptions {
  // false: "last_step" (the last step reported, or null) instead of every
  // intermediate value, for light pages of many trials.
  bool intermediate_values = true;
};

// Trials of one study as JSON text: {"number", "state", "value", "params",
// "user_attrs", "intermediate_values", "worker_id", "retry_of",
// "fail_reason", "datetime_start", "datetime_complete", "duration_s"}.
// Params in the spec's order; a categorical whose choices are all numbers is
// a number. Written straight into the text, for pages of many trials.
class TrialJsonText {
 public:
  // How a categorical's choices are written: as numbers when every choice is
  // one (as the Python client gives them), else as text.
  enum class ChoiceKind { kText, kInt, kFloat };

  // `spec` must outlive this.
  explicit TrialJsonText(const v1::StudySpec& spec);
  // Appends `trial`'s JSON object to `out`.
  void Append(const v1::Trial& trial, TrialJsonOptions options, std::string& out) const;

 private:
  const v1::StudySpec& spec_;
  std::vector<ChoiceKind> choice_kinds_;  // by param of spec_
};

// The same as a JSON value.
nlohmann::ordered_json TrialToJson(const v1::Trial& trial, const v1::StudySpec& spec,
                                   TrialJsonOptions options = {});
// {"name", "state", ["state_reason"], "direction", "objective", "sampler",
//  "seed", "max_trials", "trial_counts", "best_trial", "datetime_create",
//  "datetime_last_activity"}
nlohmann::ordered_json StudyToJson(const v1::Study& study);
// The search space: [{"name", "type": "float"|"int"|"categorical", "low",
// "high", "log", ["step"], ["choices"]}, ...] in the spec's order.
nlohmann::ordered_json ParamsToJson(const v1::StudySpec& spec);
// {"method", "n_trials", "importances": [{"param", "importance"}, ...]}
nlohmann::ordered_json ImportancesToJson(const v1::GetParamImportancesResponse& importances);

}  // namespace hpo

#endif  // HPO_COMMON_TRIAL_JSON_H_
