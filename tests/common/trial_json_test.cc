// A trial's JSON text: every field, in its order, numbers that read back
// exactly, strings escaped, and bytes that are not UTF-8 replaced.
#include "common/trial_json.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hpo {
namespace {

using Json = nlohmann::ordered_json;

v1::StudySpec Spec() {
  v1::StudySpec spec;
  spec.set_name("s");
  v1::ParamSpec* lr = spec.add_params();
  lr->set_name("lr");
  lr->mutable_float_distribution()->set_low(1e-7);
  lr->mutable_float_distribution()->set_high(1);
  v1::ParamSpec* act = spec.add_params();
  act->set_name("act");
  act->mutable_categorical_distribution()->add_choices("relu");
  act->mutable_categorical_distribution()->add_choices("tanh");
  v1::ParamSpec* batch = spec.add_params();
  batch->set_name("batch");
  for (const char* choice : {"32", "64"})
    batch->mutable_categorical_distribution()->add_choices(choice);
  v1::ParamSpec* drop = spec.add_params();
  drop->set_name("drop");
  for (const char* choice : {"0.1", "0.5"})
    drop->mutable_categorical_distribution()->add_choices(choice);
  v1::ParamSpec* layers = spec.add_params();
  layers->set_name("layers");
  layers->mutable_int_distribution()->set_low(1);
  layers->mutable_int_distribution()->set_high(4);
  return spec;
}

v1::Trial FullTrial() {
  v1::Trial trial;
  trial.set_study_name("s");
  trial.set_number(7);
  trial.set_state(v1::Trial::COMPLETE);
  trial.set_value(1.0 / 3.0);
  auto& params = *trial.mutable_params();
  params["layers"].set_int_value(3);
  params["lr"].set_float_value(1e-7);
  params["act"].set_categorical_value("tanh");
  params["batch"].set_categorical_value("64");
  params["drop"].set_categorical_value("0.1");
  params["zz_extra"].set_float_value(2);  // not in the spec: after the spec's, by name
  params["aa_extra"].set_categorical_value("x");
  (*trial.mutable_user_attrs())["epochs"] = 3;
  (*trial.mutable_user_attrs())["acc"] = 0.875;
  for (int64_t step : {1, 2}) {
    v1::IntermediateValue* value = trial.add_intermediate_values();
    value->set_step(step);
    value->set_value(0.1 * step);
  }
  trial.set_worker_id("w\"1\"");
  trial.set_retry_of(2);
  trial.set_fail_reason("line 1\nline 2\t\x01 caf\xc3\xa9");
  trial.set_start_time_ms(1'700'000'000'000);
  trial.set_complete_time_ms(1'700'000'002'500);
  return trial;
}

std::string Text(const v1::Trial& trial, TrialJsonOptions options = {}) {
  const v1::StudySpec spec = Spec();
  std::string out;
  TrialJsonText(spec).Append(trial, options, out);
  return out;
}

TEST(TrialJsonTest, EveryFieldInItsOrderWithNumbersThatReadBackExactly) {
  const Json json = Json::parse(Text(FullTrial()));
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"number", "state", "value", "params", "user_attrs",
                                      "intermediate_values", "worker_id", "retry_of", "fail_reason",
                                      "datetime_start", "datetime_complete", "duration_s"}));
  EXPECT_EQ(json["number"], 7);
  EXPECT_EQ(json["state"], "COMPLETE");
  EXPECT_EQ(json["value"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(json["params"].dump(),
            R"({"lr":1e-07,"act":"tanh","batch":64,"drop":0.1,"layers":3,"aa_extra":"x",)"
            R"("zz_extra":2.0})");
  EXPECT_EQ(json["user_attrs"].dump(), R"({"acc":0.875,"epochs":3})");
  EXPECT_EQ(json["intermediate_values"]["1"].get<double>(), 0.1);
  EXPECT_EQ(json["intermediate_values"]["2"].get<double>(), 0.2);
  EXPECT_EQ(json["worker_id"], "w\"1\"");
  EXPECT_EQ(json["retry_of"], 2);
  EXPECT_EQ(json["fail_reason"], "line 1\nline 2\t\x01 caf\xc3\xa9");
  EXPECT_EQ(json["datetime_start"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(json["datetime_complete"], "2023-11-14T22:13:22.500Z");
  EXPECT_EQ(json["duration_s"].get<double>(), 2.5);
  EXPECT_EQ(Json::parse(Text(FullTrial())), TrialToJson(FullTrial(), Spec()));
}

TEST(TrialJsonTest, LightTrialsHaveTheLastStepAndUnfinishedOnesNulls) {
  v1::Trial trial = FullTrial();
  trial.set_state(v1::Trial::RUNNING);
  trial.clear_value();
  trial.clear_retry_of();
  trial.set_complete_time_ms(0);
  const Json json = Json::parse(Text(trial, {.intermediate_values = false}));
  EXPECT_FALSE(json.contains("intermediate_values"));
  EXPECT_EQ(json["last_step"], 2);
  for (const char* key : {"value", "retry_of", "datetime_complete", "duration_s"}) {
    EXPECT_TRUE(json[key].is_null()) << key;
  }
  trial.clear_intermediate_values();
  EXPECT_TRUE(Json::parse(Text(trial, {.intermediate_values = false}))["last_step"].is_null());
}

// A worker's message may hold any bytes: the JSON stays valid, with U+FFFD
// where a byte is not UTF-8, and the valid text around it is kept.
TEST(TrialJsonTest, BytesThatAreNotUtf8AreReplaced) {
  v1::Trial trial = FullTrial();
  trial.set_fail_reason("bad \xff\xfe byte, cut \xc3");
  const Json json = Json::parse(Text(trial));
  EXPECT_EQ(json["fail_reason"], "bad \xef\xbf\xbd\xef\xbf\xbd byte, cut \xef\xbf\xbd");
  EXPECT_EQ(json["worker_id"], "w\"1\"");
}

}  // namespace
}  // namespace hpo
