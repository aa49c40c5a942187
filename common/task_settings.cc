#include "common/task_settings.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/string_view_compat.h"

namespace hpo {
std::string TaskSettingNumber(const TaskSetting& setting, double x) {
  if (setting.kind == SettingKind::kInt) return absl::StrCat(static_cast<int64_t>(x));
  return absl::StrCat(x);
}

std::string TaskSettingRule(const TaskSetting& s) {
  const bool finite_high = std::isfinite(s.high) && s.high < kMaxInt32Setting;
  if (s.kind == SettingKind::kInt && finite_high) {
    return absl::StrCat("in [", TaskSettingNumber(s, s.low), ", ", TaskSettingNumber(s, s.high),
                        "]");
  }
  std::string rule = absl::StrCat(s.low_open ? "> " : ">= ", TaskSettingNumber(s, s.low));
  if (finite_high) {
    absl::StrAppend(&rule, " and ", s.high_open ? "< " : "<= ", TaskSettingNumber(s, s.high));
  } else if (s.kind == SettingKind::kFloat) {
    absl::StrAppend(&rule, " and finite");
  }
  return rule;
}

absl::Status CheckTaskSetting(std::string_view name, double value, std::string_view field) {
  const TaskSetting& setting = *FindTaskSetting(name);
  if (TaskSettingAllows(setting, value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field.empty() ? setting.field : field),
                                                 " is ", value, "; must be ",
                                                 TaskSettingRule(setting)));
}

}  // namespace hpo
