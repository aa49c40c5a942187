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

namespace hpo {
namespace {

using Json = nlohmann::ordered_json;

// A categorical's value: a number when every choice of `param` is one (as
// the Python client gives it), else its text.
Json CategoricalToJson(const std::string& text, const v1::ParamSpec* param) {
  if (param == nullptr || !param->has_categorical_distribution()) return text;
  const auto& choices = param->categorical_distribution().choices();
  int64_t integer;
  if (std::all_of(choices.begin(), choices.end(),
                  [&](const std::string& c) { return absl::SimpleAtoi(c, &integer); }) &&
      absl::SimpleAtoi(text, &integer)) {
    return integer;
  }
  double number;
  if (std::all_of(choices.begin(), choices.end(),
                  [&](const std::string& c) {
                    return absl::SimpleAtod(c, &number) && std::isfinite(number);
                  }) &&
      absl::SimpleAtod(text, &number)) {
    return number;
  }
  return text;
}

Json ParamToJson(const v1::ParamValue& value, const v1::ParamSpec* param) {
  switch (value.kind_case()) {
    case v1::ParamValue::kFloatValue: return value.float_value();
    case v1::ParamValue::kIntValue: return value.int_value();
    case v1::ParamValue::kCategoricalValue:
      return CategoricalToJson(value.categorical_value(), param);
    case v1::ParamValue::KIND_NOT_SET: break;
  }
  return nullptr;
}

// A number for JSON: whole numbers (an epoch count) as integers.
Json JsonNumber(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.0e15) {
    return static_cast<int64_t>(value);
  }
  return value;
}

Json OptionalTime(int64_t unix_ms) { return unix_ms > 0 ? Json(IsoTime(unix_ms)) : Json(nullptr); }

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

Json TrialToJson(const v1::Trial& trial, const v1::StudySpec& spec, TrialJsonOptions options) {
  Json json;
  json["number"] = trial.number();
  json["state"] = v1::Trial::State_Name(trial.state());
  json["value"] = trial.has_value() ? Json(trial.value()) : Json(nullptr);
  Json params = Json::object();
  for (const v1::ParamSpec& param : spec.params()) {
    auto it = trial.params().find(param.name());
    if (it != trial.params().end()) params[param.name()] = ParamToJson(it->second, &param);
  }
  std::vector<std::string> extra;  // params the spec does not list
  for (const auto& [name, value] : trial.params()) {
    if (FindParam(spec, name) == nullptr) extra.push_back(name);
  }
  std::sort(extra.begin(), extra.end());
  for (const std::string& name : extra) params[name] = ParamToJson(trial.params().at(name), nullptr);
  json["params"] = std::move(params);
  std::vector<std::string> attr_names;
  for (const auto& [name, value] : trial.user_attrs()) attr_names.push_back(name);
  std::sort(attr_names.begin(), attr_names.end());
  Json attrs = Json::object();
  for (const std::string& name : attr_names) attrs[name] = JsonNumber(trial.user_attrs().at(name));
  json["user_attrs"] = std::move(attrs);
  if (options.intermediate_values) {
    Json steps = Json::object();
    for (const v1::IntermediateValue& step : trial.intermediate_values()) {
      steps[absl::StrCat(step.step())] = step.value();
    }
    json["intermediate_values"] = std::move(steps);
  } else {
    const auto& steps = trial.intermediate_values();
    json["last_step"] = steps.empty() ? Json(nullptr) : Json(steps.rbegin()->step());
  }
  json["worker_id"] = trial.worker_id();
  json["retry_of"] = trial.has_retry_of() ? Json(trial.retry_of()) : Json(nullptr);
  json["fail_reason"] = trial.fail_reason();
  json["datetime_start"] = IsoTime(trial.start_time_ms());
  json["datetime_complete"] = OptionalTime(trial.complete_time_ms());
  json["duration_s"] = trial.complete_time_ms() > 0
                           ? Json((trial.complete_time_ms() - trial.start_time_ms()) / 1e3)
                           : Json(nullptr);
  return json;
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
        choices.push_back(CategoricalToJson(choice, &param));
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
