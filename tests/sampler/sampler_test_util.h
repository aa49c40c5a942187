// Studies for the samplers' tests: spaces with every kind of parameter,
// an objective over them, and a loop that asks and tells.
#ifndef HPO_TESTS_SAMPLER_SAMPLER_TEST_UTIL_H_
#define HPO_TESTS_SAMPLER_SAMPLER_TEST_UTIL_H_

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/search_space.h"
#include "gtest/gtest.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/sampler.h"
#include "tests/status_matchers.h"

namespace hpo::server {

using Objective = std::function<double(const ParamMap&)>;

inline v1::StudySpec OneFloat(double low, double high) {
  v1::StudySpec spec;
  spec.set_name("s");
  spec.set_direction(v1::MINIMIZE);
  v1::ParamSpec* p = spec.add_params();
  p->set_name("x");
  p->mutable_float_distribution()->set_low(low);
  p->mutable_float_distribution()->set_high(high);
  return spec;
}

inline v1::StudySpec MixedSpec() {
  v1::StudySpec spec = OneFloat(-5, 5);
  v1::ParamSpec* lr = spec.add_params();
  lr->set_name("lr");
  lr->mutable_float_distribution()->set_low(1e-5);
  lr->mutable_float_distribution()->set_high(1e-1);
  lr->mutable_float_distribution()->set_log(true);
  v1::ParamSpec* units = spec.add_params();
  units->set_name("units");
  units->mutable_int_distribution()->set_low(16);
  units->mutable_int_distribution()->set_high(512);
  units->mutable_int_distribution()->set_log(true);
  v1::ParamSpec* batch = spec.add_params();
  batch->set_name("batch");
  batch->mutable_int_distribution()->set_low(32);
  batch->mutable_int_distribution()->set_high(256);
  batch->mutable_int_distribution()->set_step(32);
  v1::ParamSpec* drop = spec.add_params();
  drop->set_name("drop");
  drop->mutable_float_distribution()->set_low(0);
  drop->mutable_float_distribution()->set_high(0.5);
  drop->mutable_float_distribution()->set_step(0.1);
  v1::ParamSpec* act = spec.add_params();
  act->set_name("act");
  for (const char* c : {"relu", "tanh", "sigmoid"})
    act->mutable_categorical_distribution()->add_choices(c);
  return spec;
}

inline double MixedObjective(const ParamMap& p) {
  const double act = p.at("act").categorical_value() == "tanh" ? 0 : 1;
  return std::pow(p.at("x").float_value() - 1, 2) +
         std::pow(std::log10(p.at("lr").float_value()) + 3, 2) +
         std::pow(std::log2(static_cast<double>(p.at("units").int_value())) - 7, 2) +
         std::abs(static_cast<double>(p.at("batch").int_value()) - 128) / 32 +
         std::abs(p.at("drop").float_value() - 0.2) + act;
}

inline v1::Trial Finished(int64_t number, const ParamMap& params, double value) {
  v1::Trial t;
  t.set_number(number);
  t.set_state(v1::Trial::COMPLETE);
  t.set_value(value);
  *t.mutable_params() = params;
  return t;
}

// Asks and tells `n` trials in turn; every suggestion must be valid.
inline std::vector<v1::Trial> RunStudy(Sampler& sampler, const v1::StudySpec& spec, int n,
                                       const Objective& f) {
  std::vector<v1::Trial> history;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<ParamMap> params = sampler.Sample(spec, history, i);
    EXPECT_TRUE(params.ok()) << params.status();
    if (!params.ok()) break;
    for (const v1::ParamSpec& p : spec.params()) {
      EXPECT_OK(CheckParamValue(p, params->at(p.name())));
    }
    history.push_back(Finished(i, *params, f(*params)));
  }
  return history;
}

// Each parameter of `spec` has the same value in `a` and `b`.
inline void ExpectSameParams(const v1::StudySpec& spec, const ParamMap& a, const ParamMap& b,
                             const std::string& context = "") {
  for (const v1::ParamSpec& p : spec.params()) {
    EXPECT_EQ(a.at(p.name()).SerializeAsString(), b.at(p.name()).SerializeAsString())
        << p.name() << context;
  }
}

// The first `n` suggestions of `sampler` on MixedSpec(), told MixedObjective,
// are exactly RandomSampler(seed)'s draws.
inline void ExpectStartupIsRandom(Sampler& sampler, uint64_t seed, int n) {
  const v1::StudySpec spec = MixedSpec();
  RandomSampler random(seed);
  std::vector<v1::Trial> history;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<ParamMap> a = sampler.Sample(spec, history, i);
    absl::StatusOr<ParamMap> b = random.Sample(spec, history, i);
    ASSERT_OK(a);
    ASSERT_OK(b);
    ExpectSameParams(spec, *a, *b);
    history.push_back(Finished(i, *a, MixedObjective(*a)));
  }
}

}  // namespace hpo::server

#endif  // HPO_TESTS_SAMPLER_SAMPLER_TEST_UTIL_H_
