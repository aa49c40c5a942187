#include "common/trial_json.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/objective.h"
#include "common/search_space.h"
#include "rapidjson/stream.h"
#include "rapidjson/writer.h"

namespace hpo {
namespace {

using Json = nlohmann::ordered_json;

using ChoiceKind = TrialJsonText::ChoiceKind;

ChoiceKind ChoiceKindOf(const v1::ParamSpec* param) {
  if (param == nullptr || !param->has_categorical_distribution()) return ChoiceKind::kText;
  const auto& choices = param->categorical_distribution().choices();
  int64_t integer;
  double number;
  if (std::all_of(choices.begin(), choices.end(),
                  [&](const std::string& c) { return absl::SimpleAtoi(c, &integer); })) {
    return ChoiceKind::kInt;
  }
  if (std::all_of(choices.begin(), choices.end(), [&](const std::string& c) {
        return absl::SimpleAtod(c, &number) && std::isfinite(number);
      })) {
    return ChoiceKind::kFloat;
  }
  return ChoiceKind::kText;
}

Json CategoricalToJson(const std::string& text, ChoiceKind kind) {
  int64_t integer;
  double number;
  if (kind == ChoiceKind::kInt && absl::SimpleAtoi(text, &integer)) return integer;
  if (kind == ChoiceKind::kFloat && absl::SimpleAtod(text, &number)) return number;
  return text;
}

Json OptionalTime(int64_t unix_ms) { return unix_ms > 0 ? Json(IsoTime(unix_ms)) : Json(nullptr); }

// rapidjson's output stream, appending to a std::string.
class StringSink {
 public:
  using Ch = char;
  explicit StringSink(std::string& out) : out_(out) {}
  void Put(char c) { out_.push_back(c); }
  void Flush() {}

 private:
  std::string& out_;
};

struct NullSink {
  using Ch = char;
  void Put(char) {}
};

bool IsValidUtf8(const std::string& text) {
  rapidjson::StringStream in(text.c_str());
  NullSink sink;
  while (in.Tell() < text.size()) {
    if (!rapidjson::UTF8<>::Validate(in, sink)) return false;
  }
  return true;
}

// The JSON of one trial, written straight into text: a page of 10,000
// trials as nlohmann values first took ten times as long.
class TrialWriter {
 public:
  TrialWriter(std::string& out, const std::vector<ChoiceKind>& kinds)
      : sink_(out), writer_(sink_), kinds_(kinds) {}

  void Write(const v1::Trial& trial, const v1::StudySpec& spec, TrialJsonOptions options) {
    writer_.StartObject();
    Key("number");
    writer_.Int64(trial.number());
    Key("state");
    String(v1::Trial::State_Name(trial.state()));
    Key("value");
    trial.has_value() ? Number(trial.value()) : Null();
    Key("params");
    Params(trial, spec);
    Key("user_attrs");
    UserAttrs(trial);
    const auto& steps = trial.intermediate_values();
    if (options.intermediate_values) {
      Key("intermediate_values");
      writer_.StartObject();
      for (const v1::IntermediateValue& step : steps) {
        Key(absl::StrCat(step.step()));
        Number(step.value());
      }
      writer_.EndObject();
    } else {
      Key("last_step");
      steps.empty() ? Null() : Int(steps.rbegin()->step());
    }
    Key("worker_id");
    String(trial.worker_id());
    Key("retry_of");
    trial.has_retry_of() ? Int(trial.retry_of()) : Null();
    Key("fail_reason");
    String(trial.fail_reason());
    Key("datetime_start");
    String(IsoTime(trial.start_time_ms()));
    Key("datetime_complete");
    trial.complete_time_ms() > 0 ? String(IsoTime(trial.complete_time_ms())) : Null();
    Key("duration_s");
    trial.complete_time_ms() > 0 ? Number((trial.complete_time_ms() - trial.start_time_ms()) / 1e3)
                                 : Null();
    writer_.EndObject();
  }

 private:
  void Key(std::string_view key) { writer_.Key(key.data(), key.size()); }
  void Null() { writer_.Null(); }
  void Int(int64_t value) { writer_.Int64(value); }
  // Values are finite (the coordinator refuses others); null if not.
  void Number(double value) { std::isfinite(value) ? writer_.Double(value) : writer_.Null(); }
  // Strings from users (names, fail reasons) may hold any bytes: invalid
  // UTF-8 is replaced rather than failing the response.
  void String(const std::string& text) {
    if (IsValidUtf8(text)) {
      writer_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      return;
    }
    const std::string replaced = Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
    writer_.RawValue(replaced.data(), replaced.size(), rapidjson::kStringType);
  }

  void Param(const v1::ParamValue& value, ChoiceKind kind) {
    switch (value.kind_case()) {
      case v1::ParamValue::kFloatValue:
        return Number(value.float_value());
      case v1::ParamValue::kIntValue:
        return Int(value.int_value());
      case v1::ParamValue::kCategoricalValue: {
        const std::string& text = value.categorical_value();
        int64_t integer;
        double number;
        if (kind == ChoiceKind::kInt && absl::SimpleAtoi(text, &integer)) return Int(integer);
        if (kind == ChoiceKind::kFloat && absl::SimpleAtod(text, &number)) return Number(number);
        return String(text);
      }
      case v1::ParamValue::KIND_NOT_SET:
        break;
    }
    Null();
  }

  // Params in the spec's order, then any the spec does not list, by name.
  void Params(const v1::Trial& trial, const v1::StudySpec& spec) {
    writer_.StartObject();
    int listed = 0;
    for (int p = 0; p < spec.params_size(); ++p) {
      const v1::ParamSpec& param = spec.params(p);
      auto it = trial.params().find(param.name());
      if (it == trial.params().end()) continue;
      Key(param.name());
      Param(it->second, kinds_[p]);
      ++listed;
    }
    if (listed < trial.params_size()) {
      std::vector<const std::string*> extra;
      for (const auto& [name, value] : trial.params()) {
        if (FindParam(spec, name) == nullptr) extra.push_back(&name);
      }
      std::sort(extra.begin(), extra.end(),
                [](const std::string* a, const std::string* b) { return *a < *b; });
      for (const std::string* name : extra) {
        Key(*name);
        Param(trial.params().at(*name), ChoiceKind::kText);
      }
    }
    writer_.EndObject();
  }

  // By name; whole numbers (an epoch count) as integers.
  void UserAttrs(const v1::Trial& trial) {
    std::vector<std::pair<const std::string*, double>> attrs;
    for (const auto& [name, value] : trial.user_attrs()) attrs.emplace_back(&name, value);
    std::sort(attrs.begin(), attrs.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    writer_.StartObject();
    for (const auto& [name, value] : attrs) {
      Key(*name);
      if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.0e15) {
        Int(static_cast<int64_t>(value));
      } else {
        Number(value);
      }
    }
    writer_.EndObject();
  }

  StringSink sink_;
  rapidjson::Writer<StringSink> writer_;
  const std::vector<ChoiceKind>& kinds_;
};

}  // namespace

std::string IsoTime(int64_t unix_ms) {
  if (unix_ms <= 0) return "";
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm = {};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  return absl::StrFormat("%s.%03dZ", buffer, static_cast<int>(unix_ms % 1000));
}

TrialJsonText::TrialJsonText(const v1::StudySpec& spec) : spec_(spec) {
  for (const v1::ParamSpec& param : spec.params()) choice_kinds_.push_back(ChoiceKindOf(&param));
}

void TrialJsonText::Append(const v1::Trial& trial, TrialJsonOptions options,
                           std::string& out) const {
  TrialWriter(out, choice_kinds_).Write(trial, spec_, options);
}

Json TrialToJson(const v1::Trial& trial, const v1::StudySpec& spec, TrialJsonOptions options) {
  std::string text;
  TrialJsonText(spec).Append(trial, options, text);
  return Json::parse(text);
}

Json StudyToJson(const v1::Study& study) {
  Json json;
  json["name"] = study.spec().name();
  json["state"] = v1::Study::State_Name(study.state());
  if (!study.state_reason().empty()) json["state_reason"] = study.state_reason();
  json["direction"] = v1::Direction_Name(study.spec().direction());
  json["objective"] = {{"metric", ObjectiveMetric(study.spec())},
                       {"direction", v1::Direction_Name(study.spec().direction())}};
  json["sampler"] = study.spec().sampler().type();
  json["seed"] = study.spec().sampler().seed();
  json["max_trials"] = study.spec().max_trials();
  Json counts = Json::object();
  for (const auto& [state, count] : study.trial_counts()) counts[state] = count;
  json["trial_counts"] = std::move(counts);
  json["best_trial"] =
      study.has_best_trial() ? TrialToJson(study.best_trial(), study.spec()) : Json(nullptr);
  json["datetime_create"] = IsoTime(study.create_time_ms());
  json["datetime_last_activity"] = OptionalTime(study.update_time_ms());
  return json;
}

Json ParamsToJson(const v1::StudySpec& spec) {
  Json params = Json::array();
  for (const v1::ParamSpec& param : spec.params()) {
    Json json;
    json["name"] = param.name();
    if (param.has_float_distribution()) {
      const v1::FloatDistribution& d = param.float_distribution();
      json["type"] = "float";
      json["low"] = d.low();
      json["high"] = d.high();
      json["log"] = d.log();
      if (d.step() > 0) json["step"] = d.step();
    } else if (param.has_int_distribution()) {
      const v1::IntDistribution& d = param.int_distribution();
      json["type"] = "int";
      json["low"] = d.low();
      json["high"] = d.high();
      json["log"] = d.log();
      json["step"] = d.step() > 0 ? d.step() : 1;
    } else {
      json["type"] = "categorical";
      Json choices = Json::array();
      for (const std::string& choice : param.categorical_distribution().choices()) {
        choices.push_back(CategoricalToJson(choice, ChoiceKindOf(&param)));
      }
      json["choices"] = std::move(choices);
    }
    params.push_back(std::move(json));
  }
  return params;
}

Json ImportancesToJson(const v1::GetParamImportancesResponse& importances) {
  Json entries = Json::array();
  for (const v1::ParamImportance& entry : importances.importances()) {
    entries.push_back({{"param", entry.param()}, {"importance", entry.importance()}});
  }
  return Json{{"method", importances.method()},
              {"n_trials", importances.n_trials()},
              {"importances", std::move(entries)}};
}

}  // namespace hpo
