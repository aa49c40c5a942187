// Shared by the TPE and GP benchmarks: the function suite of
// /work/shared/reference/benchmarks.md, the study specs that search it, a
// path of the real hpo-coordinator, and quartiles.
#ifndef HPO_TESTS_BENCH_TPE_BENCH_COMMON_H_
#define HPO_TESTS_BENCH_TPE_BENCH_COMMON_H_

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"
#include "nlohmann/json.hpp"

namespace hpo::bench {

using Params = google::protobuf::Map<std::string, v1::ParamValue>;

inline double Branin(const Params& p) {
  const double x1 = p.at("x1").float_value(), x2 = p.at("x2").float_value();
  const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

inline double StyblinskiTang4(const Params& p) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    const double x = p.at("x" + std::to_string(i)).float_value();
    sum += x * x * x * x - 16 * x * x + 5 * x;
  }
  return sum / 2;
}

inline double Rosenbrock4(const Params& p) {
  double x[4];
  for (int i = 0; i < 4; ++i) x[i] = p.at("x" + std::to_string(i)).float_value();
  double sum = 0;
  for (int i = 0; i < 3; ++i)
    sum += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  return sum;
}

inline double Mixed(const Params& p) {
  const std::string& act = p.at("act").categorical_value();
  const double act_cost = act == "relu" ? 0 : act == "tanh" ? 0.05 : 0.15;
  const double units = static_cast<double>(p.at("units").int_value());
  const double lr = p.at("lr").float_value(), dropout = p.at("dropout").float_value();
  return act_cost + 0.025 * std::pow(std::log2(units) - 7, 2) +
         0.08 * std::pow(std::log10(lr) + 3, 2) + 0.5 * std::pow(dropout - 0.2, 2);
}

inline void AddFloat(v1::StudySpec* spec, const std::string& name, double low, double high,
                     bool log = false) {
  v1::ParamSpec* p = spec->add_params();
  p->set_name(name);
  p->mutable_float_distribution()->set_low(low);
  p->mutable_float_distribution()->set_high(high);
  p->mutable_float_distribution()->set_log(log);
}

struct Problem {
  std::string name;
  double (*f)(const Params&);
  v1::StudySpec space;  // params only
};

inline std::vector<Problem> Suite() {
  std::vector<Problem> suite(4);
  suite[0] = {"branin", Branin, {}};
  AddFloat(&suite[0].space, "x1", -5, 10);
  AddFloat(&suite[0].space, "x2", 0, 15);
  suite[1] = {"styblinski_tang4", StyblinskiTang4, {}};
  for (int i = 0; i < 4; ++i) AddFloat(&suite[1].space, "x" + std::to_string(i), -5, 5);
  suite[2] = {"rosenbrock4", Rosenbrock4, {}};
  for (int i = 0; i < 4; ++i) AddFloat(&suite[2].space, "x" + std::to_string(i), -5, 10);
  suite[3] = {"mixed", Mixed, {}};
  v1::ParamSpec* act = suite[3].space.add_params();
  act->set_name("act");
  for (const char* c : {"relu", "tanh", "sigmoid"})
    act->mutable_categorical_distribution()->add_choices(c);
  v1::ParamSpec* units = suite[3].space.add_params();
  units->set_name("units");
  units->mutable_int_distribution()->set_low(16);
  units->mutable_int_distribution()->set_high(512);
  units->mutable_int_distribution()->set_log(true);
  AddFloat(&suite[3].space, "lr", 1e-5, 1e-1, true);
  AddFloat(&suite[3].space, "dropout", 0, 0.5);
  return suite;
}

// A TPE ask/tell study over `problem`.
inline v1::StudySpec TpeStudy(const Problem& problem, const std::string& name, uint64_t seed,
                              bool multivariate, int max_trials) {
  v1::StudySpec spec = problem.space;
  spec.set_name(name);
  spec.set_direction(v1::MINIMIZE);
  spec.set_max_trials(max_trials);
  spec.mutable_sampler()->set_type("tpe");
  spec.mutable_sampler()->set_seed(seed);
  if (multivariate) spec.mutable_sampler()->set_multivariate(true);
  return spec;
}

// A GP ask/tell study over `problem`, the sampler's defaults otherwise
// (n_startup_trials 10, deterministic_objective false), as Optuna's
// GPSampler(seed=seed).
inline v1::StudySpec GpStudy(const Problem& problem, const std::string& name, uint64_t seed,
                             int max_trials) {
  v1::StudySpec spec = problem.space;
  spec.set_name(name);
  spec.set_direction(v1::MINIMIZE);
  spec.set_max_trials(max_trials);
  spec.mutable_sampler()->set_type("gp");
  spec.mutable_sampler()->set_seed(seed);
  return spec;
}

// Linear-interpolated percentile, as numpy.percentile's default.
inline double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q / 100 * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// The best value per seed of each "function/mode".
using Results = std::map<std::string, std::vector<double>>;

// One line per key: median [q1, q3].
inline void PrintQuartiles(const Results& results) {
  std::printf("%-34s %s\n", "function/mode", "median [q1, q3] of the best value");
  for (const auto& [key, values] : results) {
    std::printf("%-34s %.4g [%.4g, %.4g]\n", key.c_str(), Percentile(values, 50),
                Percentile(values, 25), Percentile(values, 75));
  }
}

// Writes `json` plus one member per key (the values at full precision) to `path`.
inline void WriteResultsJson(const std::string& path, nlohmann::ordered_json json,
                             const Results& results) {
  for (const auto& [key, values] : results) json[key] = values;
  std::ofstream(path) << json.dump(2) << "\n";
}

// The coordinator binary: argv's --coordinator-binary, else
// $HPO_BUILD_DIR/server/hpo-coordinator, else beside this benchmark's build dir.
inline std::string CoordinatorBinary(const std::string& self) {
  if (const char* dir = std::getenv("HPO_BUILD_DIR")) {
    return std::string(dir) + "/server/hpo-coordinator";
  }
  // self is <build>/tests/bench/tpe/<name>.
  return (std::filesystem::absolute(self).parent_path() / "../../../server/hpo-coordinator")
      .lexically_normal()
      .string();
}

}  // namespace hpo::bench

#endif  // HPO_TESTS_BENCH_TPE_BENCH_COMMON_H_
