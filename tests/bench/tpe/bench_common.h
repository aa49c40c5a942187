// Shared by the TPE and GP benchmarks: the function suite of
// /work/shared/reference/benchmarks.md, the study specs that search it, a
// path of the real hpo-coordinator, and quartiles.
#ifndef HPO_TESTS_BENCH_TPE_BENCH_COMMON_H_
#define HPO_TESTS_BENCH_TPE_BENCH_COMMON_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <sstream>
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

// Functions outside benchmarks.md's suite (ExtraSuite), the same as
// optuna_suite.py's EXTRA.
inline double SixHumpCamel(const Params& p) {
  const double x1 = p.at("x1").float_value(), x2 = p.at("x2").float_value();
  return (4 - 2.1 * x1 * x1 + std::pow(x1, 4) / 3) * x1 * x1 + x1 * x2 +
         (-4 + 4 * x2 * x2) * x2 * x2;
}

inline double Hartmann3(const Params& p) {
  static constexpr double kA[4][3] = {{3, 10, 30}, {0.1, 10, 35}, {3, 10, 30}, {0.1, 10, 35}};
  static constexpr double kP[4][3] = {{0.3689, 0.1170, 0.2673},
                                      {0.4699, 0.4387, 0.7470},
                                      {0.1091, 0.8732, 0.5547},
                                      {0.0381, 0.5743, 0.8828}};
  static constexpr double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 3; ++j) {
      inner += kA[i][j] * std::pow(p.at("x" + std::to_string(j)).float_value() - kP[i][j], 2);
    }
    sum += kAlpha[i] * std::exp(-inner);
  }
  return -sum;
}

inline double Levy4(const Params& p) {
  double w[4];
  for (int i = 0; i < 4; ++i) w[i] = 1 + (p.at("x" + std::to_string(i)).float_value() - 1) / 4;
  double total = std::pow(std::sin(M_PI * w[0]), 2) +
                 std::pow(w[3] - 1, 2) * (1 + std::pow(std::sin(2 * M_PI * w[3]), 2));
  for (int i = 0; i < 3; ++i) {
    total += std::pow(w[i] - 1, 2) * (1 + 10 * std::pow(std::sin(M_PI * w[i] + 1), 2));
  }
  return total;
}

inline double Trainer(const Params& p) {
  const std::string& opt = p.at("optimizer").categorical_value();
  const double opt_cost = opt == "adamw" ? 0 : opt == "adam" ? 0.02 : opt == "sgd" ? 0.1 : 0.06;
  const double layers = static_cast<double>(p.at("layers").int_value());
  const double batch = static_cast<double>(p.at("batch_size").int_value());
  return opt_cost + 0.03 * std::pow(layers - 3, 2) + 0.02 * std::pow(std::log2(batch) - 6.5, 2) +
         0.05 * std::pow(std::log10(p.at("weight_decay").float_value()) + 4, 2) +
         std::pow(p.at("momentum").float_value() - 0.9, 2);
}

inline void AddFloat(v1::StudySpec* spec, const std::string& name, double low, double high,
                     bool log = false, double step = 0) {
  v1::ParamSpec* p = spec->add_params();
  p->set_name(name);
  p->mutable_float_distribution()->set_low(low);
  p->mutable_float_distribution()->set_high(high);
  p->mutable_float_distribution()->set_log(log);
  if (step > 0) p->mutable_float_distribution()->set_step(step);
}

inline void AddInt(v1::StudySpec* spec, const std::string& name, int64_t low, int64_t high,
                   bool log = false) {
  v1::ParamSpec* p = spec->add_params();
  p->set_name(name);
  p->mutable_int_distribution()->set_low(low);
  p->mutable_int_distribution()->set_high(high);
  p->mutable_int_distribution()->set_log(log);
}

inline void AddCategorical(v1::StudySpec* spec, const std::string& name,
                           std::initializer_list<const char*> choices) {
  v1::ParamSpec* p = spec->add_params();
  p->set_name(name);
  for (const char* c : choices) p->mutable_categorical_distribution()->add_choices(c);
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
  AddCategorical(&suite[3].space, "act", {"relu", "tanh", "sigmoid"});
  AddInt(&suite[3].space, "units", 16, 512, true);
  AddFloat(&suite[3].space, "lr", 1e-5, 1e-1, true);
  AddFloat(&suite[3].space, "dropout", 0, 0.5);
  return suite;
}

// Functions the samplers were not developed on (--suite extra).
inline std::vector<Problem> ExtraSuite() {
  std::vector<Problem> suite(4);
  suite[0] = {"six_hump_camel", SixHumpCamel, {}};
  AddFloat(&suite[0].space, "x1", -3, 3);
  AddFloat(&suite[0].space, "x2", -2, 2);
  suite[1] = {"hartmann3", Hartmann3, {}};
  for (int i = 0; i < 3; ++i) AddFloat(&suite[1].space, "x" + std::to_string(i), 0, 1);
  suite[2] = {"levy4", Levy4, {}};
  for (int i = 0; i < 4; ++i) AddFloat(&suite[2].space, "x" + std::to_string(i), -10, 10);
  suite[3] = {"trainer", Trainer, {}};
  AddCategorical(&suite[3].space, "optimizer", {"adamw", "adam", "sgd", "rmsprop"});
  AddInt(&suite[3].space, "layers", 1, 8);
  AddInt(&suite[3].space, "batch_size", 16, 1024, true);
  AddFloat(&suite[3].space, "weight_decay", 1e-6, 1e-1, true);
  AddFloat(&suite[3].space, "momentum", 0.5, 0.99, false, 0.01);
  return suite;
}

// A seeded ask/tell study over `problem` whose sampler is `type` ("" for the
// default, "auto"), its settings otherwise the defaults.
inline v1::StudySpec AskTellStudy(const Problem& problem, const std::string& name,
                                  const std::string& type, uint64_t seed, int max_trials) {
  v1::StudySpec spec = problem.space;
  spec.set_name(name);
  spec.set_direction(v1::MINIMIZE);
  spec.set_max_trials(max_trials);
  if (!type.empty()) spec.mutable_sampler()->set_type(type);
  spec.mutable_sampler()->set_seed(seed);
  return spec;
}

// A TPE ask/tell study over `problem`.
inline v1::StudySpec TpeStudy(const Problem& problem, const std::string& name, uint64_t seed,
                              bool multivariate, int max_trials) {
  v1::StudySpec spec = AskTellStudy(problem, name, "tpe", seed, max_trials);
  spec.mutable_sampler()->set_multivariate(multivariate);
  return spec;
}

// A GP ask/tell study over `problem`, the sampler's defaults otherwise
// (n_startup_trials 10, deterministic_objective false), as Optuna's
// GPSampler(seed=seed).
inline v1::StudySpec GpStudy(const Problem& problem, const std::string& name, uint64_t seed,
                             int max_trials) {
  return AskTellStudy(problem, name, "gp", seed, max_trials);
}

// An ask/tell study over `problem` with the default sampler ("auto": a spec
// without sampler.type), seeded.
inline v1::StudySpec DefaultSamplerStudy(const Problem& problem, const std::string& name,
                                         uint64_t seed, int max_trials) {
  return AskTellStudy(problem, name, "", seed, max_trials);
}

// A sampler configuration the benchmarks run, by the name --modes takes.
struct Mode {
  const char* name;  // the JSON key's suffix
  const char* tag;   // in the study names, which must differ between modes
  v1::StudySpec (*study)(const Problem&, const std::string& name, uint64_t seed, int trials);
};

inline const Mode kModes[] = {
    {"independent", "-ind-",
     [](const Problem& p, const std::string& name, uint64_t seed, int trials) {
       return TpeStudy(p, name, seed, /*multivariate=*/false, trials);
     }},
    {"multivariate", "-mv-",
     [](const Problem& p, const std::string& name, uint64_t seed, int trials) {
       return TpeStudy(p, name, seed, /*multivariate=*/true, trials);
     }},
    {"gp", "-gp-", GpStudy},
    {"default", "-default-", DefaultSamplerStudy},
};

// The modes of a comma-separated list, in its order; empty on an unknown name.
inline std::vector<const Mode*> ParseModes(const std::string& list) {
  std::vector<const Mode*> modes;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    const Mode* found = nullptr;
    for (const Mode& mode : kModes) {
      if (name == mode.name) found = &mode;
    }
    if (!found) {
      std::cerr << "unknown mode \"" << name
                << "\" (expected independent, multivariate, gp, default)\n";
      return {};
    }
    modes.push_back(found);
  }
  return modes;
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
