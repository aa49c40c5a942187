#include "common/task_settings.h"

#include <fstream>
#include <sstream>
#include <string>

#include "common/spec_validator.h"
#include "common/task_spec_settings.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

const google::protobuf::FieldDescriptor* FieldOf(std::string_view path) {
  const google::protobuf::Descriptor* d = v1::TaskSpec::descriptor();
  const google::protobuf::FieldDescriptor* f = nullptr;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    f = d->FindFieldByName(std::string(path.substr(start, dot - start)));
    if (f == nullptr || dot == std::string_view::npos) return f;
    d = f->message_type();
    if (d == nullptr) return nullptr;
    start = dot + 1;
  }
}

TEST(TaskSettingsTest, EveryRowNamesATaskFieldOfItsKind) {
  using google::protobuf::FieldDescriptor;
  for (const TaskSetting& s : kTaskSettings) {
    const FieldDescriptor* f = FieldOf(s.field);
    ASSERT_NE(f, nullptr) << s.name << ": no task field " << s.field;
    switch (s.kind) {
      case SettingKind::kFloat:
        EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_DOUBLE) << s.name;
        break;
      case SettingKind::kInt:
        EXPECT_TRUE(f->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                    f->cpp_type() == FieldDescriptor::CPPTYPE_INT64)
            << s.name;
        break;
      case SettingKind::kCategorical:
        EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_STRING) << s.name;
        EXPECT_GT(s.choice_count, 0u) << s.name;
        break;
    }
    if (s.has_default && s.kind != SettingKind::kCategorical) {
      EXPECT_TRUE(TaskSettingAllows(s, s.default_number)) << s.name;
    }
  }
}

// A searched value lands in the field the table names, and is read back
// from there; the defaults fill exactly the unset fields.
TEST(TaskSettingsTest, OverridesAndDefaultsGoThroughTheNamedField) {
  for (const TaskSetting& s : kTaskSettings) {
    v1::TaskSpec task;
    task.mutable_model()->add_hidden(8);
    task.mutable_model()->add_hidden(16);
    task.mutable_model()->add_channels(8);
    task.mutable_model()->add_channels(16);
    ApplyTaskSettingDefaults(&task);
    v1::ParamValue value;
    if (s.kind == SettingKind::kFloat) value.set_float_value(0.25);
    if (s.kind == SettingKind::kInt) value.set_int_value(7);
    if (s.kind == SettingKind::kCategorical) {
      value.set_categorical_value(std::string(s.choices[s.choice_count - 1]));
    }
    ASSERT_OK(OverrideTaskSetting(s, value, &task));
    const std::vector<TaskSettingValue> values = TaskSettingValues(s, task);
    ASSERT_FALSE(values.empty()) << s.name;
    for (const TaskSettingValue& v : values) {
      if (s.kind == SettingKind::kCategorical) {
        EXPECT_EQ(v.choice, value.categorical_value()) << s.name;
      } else {
        EXPECT_EQ(v.number, s.kind == SettingKind::kFloat ? 0.25 : 7) << s.name;
      }
    }
    v1::ParamValue wrong;
    wrong.set_categorical_value("x");
    if (s.kind == SettingKind::kCategorical) wrong.set_int_value(1);
    EXPECT_THAT(OverrideTaskSetting(s, wrong, &task),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("params.", std::string(s.name)))));
  }
  v1::TaskSpec task;
  task.mutable_optimizer()->set_lr(0.5);
  ApplyTaskSettingDefaults(&task);
  EXPECT_EQ(task.optimizer().lr(), 0.5);
  EXPECT_EQ(task.optimizer().beta2(), TaskSettingDefault("beta2"));
  EXPECT_EQ(task.epochs(), TaskSettingDefault("epochs"));
  EXPECT_EQ(task.model().init(), FindTaskSetting("init")->default_choice);
  EXPECT_FALSE(task.has_max_grad_norm());  // no default: none
}

// One rule for a searched range, a fixed value and the engine.
TEST(TaskSettingsTest, TheSameRuleAtEveryDoor) {
  EXPECT_THAT(CheckTaskSettingNumber(*FindTaskSetting("lr"), "params.lr.low", 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "params.lr.low: must be > 0 and finite (got 0)"));
  EXPECT_THAT(CheckTaskSetting("lr", 0), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  "optimizer.lr is 0; must be > 0 and finite"));
  EXPECT_THAT(
      CheckTaskSettingNumber(*FindTaskSetting("epochs"), "task.epochs", 0),
      StatusIs(absl::StatusCode::kInvalidArgument, "task.epochs: must be in [1, 10000] (got 0)"));
  EXPECT_THAT(CheckTaskSettingChoice(*FindTaskSetting("activation"), "task.model.activation", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown activation \"x\" (expected one of: relu, tanh")));
}

TEST(TaskSettingsTest, TheReadmeListsTheTable) {
  std::ifstream in(std::string(HPO_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const size_t begin = readme.find("<!-- task-settings:begin");
  const size_t end = readme.find("<!-- task-settings:end -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const size_t body = readme.find('\n', begin) + 1;
  EXPECT_EQ(readme.substr(body, end - body), TaskSettingsMarkdown())
      << "README.md's table of settings is out of date; put this between the markers:\n"
      << TaskSettingsMarkdown();
}

}  // namespace
}  // namespace hpo
