// The searchable training settings (common/task_settings.h) applied to a
// TaskSpec: where each one's value is, its rule, its default, and how a
// searched value overrides it. Used by the spec validator and defaults, the
// worker's task planning and run-once. Pure functions, thread-safe.
#ifndef HPO_COMMON_TASK_SPEC_SETTINGS_H_
#define HPO_COMMON_TASK_SPEC_SETTINGS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/task_settings.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo {

// One value the task holds for a setting, and where ("task.optimizer.lr",
// "task.model.hidden[1]"). Numbers in `number`, choices in `choice`.
struct TaskSettingValue {
  std::string path;
  double number = 0;
  std::string choice;
};

// The values `task` holds for `setting`: one per element of a repeated field,
// none for an optional field left unset.
std::vector<TaskSettingValue> TaskSettingValues(const TaskSetting& setting,
                                                const v1::TaskSpec& task);

// OK when `value` satisfies the setting's rule, else INVALID_ARGUMENT at
// `path`, e.g. `task.epochs: must be in [1, 10000] (got 0)` or
// `params.lr.low: must be >= 0 and finite (got -1)`.
absl::Status CheckTaskSettingNumber(const TaskSetting& setting, std::string_view path,
                                    double value);
absl::Status CheckTaskSettingChoice(const TaskSetting& setting, std::string_view path,
                                    std::string_view choice);

// Sets the setting's field (every element of a repeated one) to a searched
// value. INVALID_ARGUMENT `params.NAME: expected a float value` when the
// value is of another kind.
absl::Status OverrideTaskSetting(const TaskSetting& setting, const v1::ParamValue& value,
                                 v1::TaskSpec* task);

// Gives every setting with a default whose field `task` leaves unset (or 0
// where proto3 cannot tell) its default. Idempotent.
void ApplyTaskSettingDefaults(v1::TaskSpec* task);

// The settings as a Markdown table, for the README.
std::string TaskSettingsMarkdown();

}  // namespace hpo

#endif  // HPO_COMMON_TASK_SPEC_SETTINGS_H_
