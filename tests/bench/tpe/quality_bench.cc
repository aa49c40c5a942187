// Quality of our samplers through the service: for every function of the
// suite, each mode and each seed, a real hpo-coordinator runs a 100-trial
// ask/tell study driven over gRPC. Prints median [q1, q3] of the best value
// per function and mode, and writes every best value as JSON (--out) for
// compare.py, which sets them beside Optuna's.
//
//   tpe_quality_bench [--seeds 20] [--trials 100] [--out ours.json]
//                     [--modes independent,multivariate] [--suite standard|extra]
//
// Modes (keys "function/mode" in the JSON): "independent" and "multivariate"
// are TPE (the default, as before GP existed, so ours.json keeps its
// meaning); "gp" is the GP sampler with its default settings, the peer of
// Optuna 4.9's GPSampler(seed=seed); "default" is a spec without a sampler
// type (the auto sampler). run.sh runs `--modes gp` on its own
// (ours_gp.json): a GP study costs far more per trial than a TPE one.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/coordinator_client.h"
#include "tests/bench/common/coordinator_process.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

// `status` with what failed in front, e.g. "ask branin-gp-3: ...".
absl::Status Prefixed(const std::string& what, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

// Creates `spec`'s study and runs it sequentially to `trials` trials of
// `problem`: the best value found.
absl::StatusOr<double> RunStudy(CoordinatorClient& client, const Problem& problem,
                                const v1::StudySpec& spec, int trials) {
  const std::string& name = spec.name();
  if (absl::Status s = client.CreateStudy(spec, false).status(); !s.ok()) {
    return Prefixed("create " + name, s);
  }
  double best = std::numeric_limits<double>::infinity();
  for (int t = 0; t < trials; ++t) {
    absl::StatusOr<v1::AskResponse> response = client.Ask(name, /*lease=*/false);
    if (!response.ok()) {
      return Prefixed("ask " + name, response.status());
    }
    const v1::Trial& trial = response->trial();
    const double value = problem.f(trial.params());
    best = std::min(best, value);
    v1::TellRequest tell;
    tell.set_study_name(name);
    tell.set_trial_number(trial.number());
    tell.set_value(value);
    if (absl::Status s = client.Tell(tell).status(); !s.ok()) {
      return Prefixed("tell " + name, s);
    }
  }
  return best;
}

int Main(int argc, char** argv) {
  int seeds = 20, trials = 100;
  std::string out, mode_list = "independent,multivariate", suite = "standard";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--trials")) trials = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
    if (!std::strcmp(argv[i], "--modes")) mode_list = argv[i + 1];
    if (!std::strcmp(argv[i], "--suite")) suite = argv[i + 1];
  }
  if (suite != "standard" && suite != "extra") {
    std::fprintf(stderr, "unknown --suite %s (expected standard or extra)\n", suite.c_str());
    return 2;
  }
  const std::vector<Problem> problems = suite == "extra" ? ExtraSuite() : Suite();
  const std::vector<const Mode*> modes = ParseModes(mode_list);
  if (modes.empty()) return 2;
  // The database in /dev/shm: this measures the sampler, not the disk.
  CoordinatorProcess service(CoordinatorBinary(argv[0]), "", "/dev/shm");
  CoordinatorClient client(service.address());
  Results results;
  for (const Mode* mode : modes) {
    const auto start = std::chrono::steady_clock::now();
    for (const Problem& problem : problems) {
      const std::string key = problem.name + "/" + mode->name;
      for (int seed = 0; seed < seeds; ++seed) {
        const std::string name = problem.name + mode->tag + std::to_string(seed);
        absl::StatusOr<double> best =
            RunStudy(client, problem, mode->study(problem, name, seed, trials), trials);
        if (!best.ok()) {
          std::cerr << best.status() << "\n";
          return 1;
        }
        results[key].push_back(*best);
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("hpo %s through the service: %d trials, %d seeds (%.1f s)\n", mode->name, trials,
                seeds, seconds);
  }
  PrintQuartiles(results);
  if (!out.empty()) WriteResultsJson(out, nlohmann::ordered_json::object(), results);
  return 0;
}

}  // namespace
}  // namespace hpo::bench

int main(int argc, char** argv) { return hpo::bench::Main(argc, argv); }
