// PED-ANOVA importance number for number against Optuna's own
// PedAnovaImportanceEvaluator: testdata/ped_anova_golden.json holds studies
// (floats linear and log, ints with log and step, floats with step,
// categoricals, ties, a param with one value, a handful of trials) and the
// normalised importances Optuna gave them; testdata/make_ped_anova_golden.py
// says how it was made.
#include <algorithm>
#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/analysis/ped_anova.h"

namespace hpo::server {
namespace {

using Json = nlohmann::json;

Json Golden() {
  std::ifstream in(HPO_SOURCE_DIR "/tests/server/analysis/testdata/ped_anova_golden.json");
  EXPECT_TRUE(in.good());
  return Json::parse(in);
}

v1::StudySpec SpecOf(const Json& golden) {
  v1::StudySpec spec;
  spec.set_name(golden["name"].get<std::string>());
  spec.set_direction(golden["direction"] == "MAXIMIZE" ? v1::MAXIMIZE : v1::MINIMIZE);
  for (const Json& p : golden["params"]) {
    v1::ParamSpec* param = spec.add_params();
    param->set_name(p["name"].get<std::string>());
    if (p["type"] == "float") {
      v1::FloatDistribution* d = param->mutable_float_distribution();
      d->set_low(p["low"]);
      d->set_high(p["high"]);
      d->set_log(p["log"]);
      if (!p["step"].is_null()) d->set_step(p["step"]);
    } else if (p["type"] == "int") {
      v1::IntDistribution* d = param->mutable_int_distribution();
      d->set_low(p["low"]);
      d->set_high(p["high"]);
      d->set_log(p["log"]);
      d->set_step(p["step"]);
    } else {
      for (const Json& choice : p["choices"]) {
        param->mutable_categorical_distribution()->add_choices(choice.get<std::string>());
      }
    }
  }
  return spec;
}

// The trials as the coordinator keeps them: a categorical as its choice's index.
CompletedTrials TrialsOf(const Json& golden, const v1::StudySpec& spec) {
  CompletedTrials trials;
  trials.params.resize(spec.params_size());
  int64_t number = 0;
  for (const Json& t : golden["trials"]) {
    trials.numbers.push_back(number++);
    trials.values.push_back(t["value"]);
    for (int p = 0; p < spec.params_size(); ++p) {
      const v1::ParamSpec& param = spec.params(p);
      const Json& value = t["params"][param.name()];
      double x = 0;
      if (param.has_categorical_distribution()) {
        const auto& choices = param.categorical_distribution().choices();
        x = static_cast<double>(
            std::find(choices.begin(), choices.end(), value.get<std::string>()) - choices.begin());
      } else {
        x = value.get<double>();
      }
      trials.params[p].push_back(x);
    }
  }
  return trials;
}

TEST(PedAnovaGoldenTest, ImportancesAreOptunasWhereTheTopTrialsStandOut) {
  const Json golden = Golden();
  ASSERT_GE(golden["cases"].size(), 5u);
  int compared = 0;
  for (const Json& c : golden["cases"]) {
    const v1::StudySpec spec = SpecOf(c);
    double raw_sum = 0;
    for (const auto& [param, raw] : c["raw_importances"].items()) raw_sum += raw.get<double>();
    std::map<std::string, double> ours;
    for (const ParamImportance& entry : PedAnovaImportances(spec, TrialsOf(c, spec))) {
      ours[entry.param] = entry.importance;
    }
    ASSERT_EQ(ours.size(), c["importances"].size()) << c["name"];
    for (const auto& [param, expected] : c["importances"].items()) {
      ASSERT_EQ(ours.count(param), 1u) << c["name"] << ": " << param;
      // Where no param tells the top trials apart (every trial is in the top
      // set), Optuna spreads 1/n over the params; we answer 0 for each, so a
      // plot does not show equal bars that mean nothing.
      const double want = raw_sum > 0 ? expected.get<double>() : 0.0;
      EXPECT_NEAR(ours[param], want, 1e-9) << c["name"] << ": " << param;
      ++compared;
    }
  }
  EXPECT_GE(compared, 15);
}

}  // namespace
}  // namespace hpo::server
