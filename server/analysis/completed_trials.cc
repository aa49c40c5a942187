#include "server/analysis/completed_trials.h"

#include <algorithm>
#include <limits>

#include "common/search_space.h"

namespace hpo::server {
namespace {

double AsNumber(const v1::ParamSpec& param, const v1::ParamValue& value) {
  if (!param.has_categorical_distribution()) return ParamValueAsDouble(value);
  const auto& choices = param.categorical_distribution().choices();
  const auto it = std::find(choices.begin(), choices.end(), value.categorical_value());
  return it == choices.end() || !value.has_categorical_value()
             ? std::numeric_limits<double>::quiet_NaN()
             : static_cast<double>(it - choices.begin());
}

}  // namespace

void CompletedTrials::Add(const v1::Trial& trial, const v1::StudySpec& spec) {
  params.resize(spec.params_size());
  numbers.push_back(trial.number());
  values.push_back(trial.value());
  for (int p = 0; p < spec.params_size(); ++p) {
    const auto it = trial.params().find(spec.params(p).name());
    params[p].push_back(it == trial.params().end() ? std::numeric_limits<double>::quiet_NaN()
                                                   : AsNumber(spec.params(p), it->second));
  }
}

}  // namespace hpo::server
