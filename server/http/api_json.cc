#include "server/http/api_json.h"

#include "absl/strings/str_cat.h"
#include "common/trial_json.h"
#include "nlohmann/json.hpp"

namespace hpo::server {
namespace {

using Json = nlohmann::ordered_json;

Json Points(const std::vector<Point>& points) {
  Json array = Json::array();
  for (const auto& [x, y] : points) array.push_back(Json::array({x, y}));
  return array;
}

// Strings from users (names, fail reasons) may hold any bytes: invalid
// UTF-8 is replaced rather than failing the response.
std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string StudiesJson(const std::vector<v1::Study>& studies) {
  Json array = Json::array();
  for (const v1::Study& study : studies) array.push_back(StudyToJson(study));
  return Dump(Json{{"studies", std::move(array)}});
}

std::string StudyJson(const v1::Study& study) {
  Json json = StudyToJson(study);
  json["params"] = ParamsToJson(study.spec());
  json["user_attr_names"] = study.user_attr_names();
  int64_t trials = 0;
  for (const auto& [state, count] : study.trial_counts()) trials += count;
  json["n_trials"] = trials;
  return Dump(json);
}

namespace {

// {"trials": [...], then `tail`'s fields}.
std::string TrialsObject(const google::protobuf::RepeatedPtrField<v1::Trial>& trials,
                         const v1::StudySpec& spec, bool intermediate_values, const Json& tail) {
  const TrialJsonText text(spec);
  std::string out = "{\"trials\":[";
  out.reserve(trials.size() * (intermediate_values ? 600 : 400));
  for (const v1::Trial& trial : trials) {
    if (out.back() != '[') out.push_back(',');
    text.Append(trial, {.intermediate_values = intermediate_values}, out);
  }
  out += "]";
  for (const auto& [key, value] : tail.items())
    absl::StrAppend(&out, ",", Dump(key), ":", Dump(value));
  out += "}";
  return out;
}

}  // namespace

std::string TrialsJson(const v1::ListTrialsResponse& page, const v1::StudySpec& spec,
                       bool intermediate_values) {
  const bool more = !page.next_page_token().empty() && page.trials_size() > 0;
  return TrialsObject(
      page.trials(), spec, intermediate_values,
      {{"next_after", more ? Json(page.trials().rbegin()->number()) : Json(nullptr)}});
}

std::string ChangedTrialsJson(const Coordinator::ChangedTrials& changed, const v1::StudySpec& spec,
                              bool intermediate_values) {
  return TrialsObject(changed.trials, spec, intermediate_values,
                      {{"revision", changed.revision}, {"more", changed.more}});
}

std::string TrialJson(const v1::Trial& trial, const v1::StudySpec& spec) {
  return Dump(TrialToJson(trial, spec));
}

std::string SeriesJson(const StudySnapshot& snapshot, size_t max_points) {
  const History history = OptimizationHistory(snapshot, max_points);
  Json curves = Json::array();
  for (const Curve& curve : snapshot.curves) {
    curves.push_back({{"number", curve.number},
                      {"state", v1::Trial::State_Name(curve.state)},
                      {"steps", Points(curve.steps)}});
  }
  return Dump(Json{{"n_complete", snapshot.completed.size()},
                   {"history", Points(history.points)},
                   {"best", Points(history.best)},
                   {"curves", std::move(curves)}});
}

std::string ImportancesJson(const v1::GetParamImportancesResponse& importances) {
  return Dump(ImportancesToJson(importances));
}

std::string ErrorJson(int http_status, const std::string& message) {
  return Dump(Json{{"error", {{"code", http_status}, {"message", message}}}});
}

int HttpStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kFailedPrecondition: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    default: return 503;
  }
}

}  // namespace hpo::server
