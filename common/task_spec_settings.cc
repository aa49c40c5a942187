#include "common/task_spec_settings.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/search_space.h"
#include "common/spec_error.h"
#include "common/string_view_compat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace hpo {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The message holding the setting's field and the field itself; the path is
// one of the table's, checked by tests/common/task_settings_test.cc.
template <typename M>
const FieldDescriptor* Resolve(std::string_view field, M** message) {
  std::vector<std::string> parts = absl::StrSplit(ToAbsl(field), '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const FieldDescriptor* f = (*message)->GetDescriptor()->FindFieldByName(parts[i]);
    if constexpr (std::is_const_v<M>) {
      *message = &(*message)->GetReflection()->GetMessage(**message, f);
    } else {
      *message = (*message)->GetReflection()->MutableMessage(*message, f);
    }
  }
  return (*message)->GetDescriptor()->FindFieldByName(parts.back());
}

double GetNumber(const Message& m, const FieldDescriptor* f, int index) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    default:
      return std::nan("");
  }
}

void SetNumber(Message* m, const FieldDescriptor* f, int index, double value) {
  const google::protobuf::Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE:
      rep ? r->SetRepeatedDouble(m, f, index, value) : r->SetDouble(m, f, value);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      rep ? r->SetRepeatedInt32(m, f, index, static_cast<int32_t>(value))
          : r->SetInt32(m, f, static_cast<int32_t>(value));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      rep ? r->SetRepeatedInt64(m, f, index, static_cast<int64_t>(value))
          : r->SetInt64(m, f, static_cast<int64_t>(value));
      break;
    default:
      break;
  }
}

std::vector<std::string_view> Choices(const TaskSetting& s) {
  return std::vector<std::string_view>(s.choices, s.choices + s.choice_count);
}

std::string JoinChoices(const TaskSetting& s) {
  std::string joined;
  for (std::string_view choice : Choices(s)) {
    if (!joined.empty()) joined += ", ";
    joined += choice;
  }
  return joined;
}

}  // namespace

std::vector<TaskSettingValue> TaskSettingValues(const TaskSetting& setting,
                                                const v1::TaskSpec& task) {
  const Message* m = &task;
  const FieldDescriptor* f = Resolve(setting.field, &m);
  const google::protobuf::Reflection* r = m->GetReflection();
  const std::string path = absl::StrCat("task.", ToAbsl(setting.field));
  std::vector<TaskSettingValue> values;
  if (f->is_repeated()) {
    for (int i = 0; i < r->FieldSize(*m, f); ++i) {
      values.push_back({absl::StrCat(path, "[", i, "]"), GetNumber(*m, f, i), ""});
    }
    return values;
  }
  if (f->has_presence() && !r->HasField(*m, f)) return values;
  TaskSettingValue value{path, 0, ""};
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    value.choice = r->GetString(*m, f);
  } else {
    value.number = GetNumber(*m, f, 0);
  }
  values.push_back(std::move(value));
  return values;
}

absl::Status CheckTaskSettingNumber(const TaskSetting& s, std::string_view path, double value) {
  if (TaskSettingAllows(s, value)) return absl::OkStatus();
  return SpecFieldError(
      path, absl::StrCat("must be ", TaskSettingRule(s), " (got ", FormatDouble(value), ")"));
}

absl::Status CheckTaskSettingChoice(const TaskSetting& s, std::string_view path,
                                    std::string_view choice) {
  for (std::string_view known : Choices(s)) {
    if (known == choice) return absl::OkStatus();
  }
  const std::string expected = absl::StrCat("(expected one of: ", JoinChoices(s), ")");
  if (choice.empty()) return SpecFieldError(path, absl::StrCat("must be set ", expected));
  return SpecFieldError(
      path, absl::StrCat("unknown ", ToAbsl(s.name), " \"", ToAbsl(choice), "\" ", expected));
}

absl::Status OverrideTaskSetting(const TaskSetting& setting, const v1::ParamValue& value,
                                 v1::TaskSpec* task) {
  const bool fits = setting.kind == SettingKind::kFloat ? value.has_float_value()
                    : setting.kind == SettingKind::kInt ? value.has_int_value()
                                                        : value.has_categorical_value();
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrCat("params.", ToAbsl(setting.name), ": expected a ",
                                                   ToAbsl(SettingKindName(setting.kind)),
                                                   " value"));
  }
  Message* m = task;
  const FieldDescriptor* f = Resolve(setting.field, &m);
  if (setting.kind == SettingKind::kCategorical) {
    m->GetReflection()->SetString(m, f, value.categorical_value());
    return absl::OkStatus();
  }
  const double number = setting.kind == SettingKind::kFloat
                            ? value.float_value()
                            : static_cast<double>(value.int_value());
  if (!f->is_repeated()) {
    SetNumber(m, f, 0, number);
    return absl::OkStatus();
  }
  for (int i = 0; i < m->GetReflection()->FieldSize(*m, f); ++i) SetNumber(m, f, i, number);
  return absl::OkStatus();
}

void ApplyTaskSettingDefaults(v1::TaskSpec* task) {
  for (const TaskSetting& setting : kTaskSettings) {
    if (!setting.has_default) continue;
    Message* m = task;
    const FieldDescriptor* f = Resolve(setting.field, &m);
    if (m->GetReflection()->HasField(*m, f)) continue;  // proto3 scalars: set and not 0
    if (setting.kind == SettingKind::kCategorical) {
      m->GetReflection()->SetString(m, f, std::string(setting.default_choice));
    } else {
      SetNumber(m, f, 0, setting.default_number);
    }
  }
}

std::string TaskSettingsMarkdown() {
  std::string table =
      "| name | type | values | default | task field | what it sets |\n"
      "|---|---|---|---|---|---|\n";
  for (const TaskSetting& s : kTaskSettings) {
    const std::string values =
        s.kind == SettingKind::kCategorical ? JoinChoices(s) : TaskSettingRule(s);
    std::string default_text(s.unset_means);
    if (s.has_default) {
      default_text = s.kind == SettingKind::kCategorical ? std::string(s.default_choice)
                                                         : TaskSettingNumber(s, s.default_number);
    }
    absl::StrAppend(&table, "| `", ToAbsl(s.name), "` | ", ToAbsl(SettingKindName(s.kind)), " | ",
                    values, " | ", default_text, " | `task.", ToAbsl(s.field), "` | ",
                    ToAbsl(s.help), " |\n");
  }
  return table;
}

}  // namespace hpo
