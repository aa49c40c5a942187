// Quality of our TPE through the service: for every function of the suite,
// each mode and each seed, a real hpo-coordinator runs a 100-trial ask/tell
// study driven over gRPC. Prints median [q1, q3] of the best value per
// function and mode, and writes every best value as JSON (--out) for
// compare.py, which sets them beside Optuna's.
//
//   tpe_quality_bench [--seeds 20] [--trials 100] [--out ours.json]
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>

#include "common/coordinator_client.h"
#include "tests/bench/common/coordinator_process.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

int Main(int argc, char** argv) {
  int seeds = 20, trials = 100;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--trials")) trials = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
  }
  // The database in /dev/shm: this measures the sampler, not the disk.
  CoordinatorProcess service(CoordinatorBinary(argv[0]), "", "/dev/shm");
  CoordinatorClient client(service.address());
  Results results;
  const auto start = std::chrono::steady_clock::now();
  for (const Problem& problem : Suite()) {
    for (bool multivariate : {false, true}) {
      const std::string key = problem.name + (multivariate ? "/multivariate" : "/independent");
      for (int seed = 0; seed < seeds; ++seed) {
        const std::string name =
            problem.name + (multivariate ? "-mv-" : "-ind-") + std::to_string(seed);
        absl::StatusOr<v1::Study> study =
            client.CreateStudy(TpeStudy(problem, name, seed, multivariate, trials), false);
        if (!study.ok()) {
          std::cerr << "create " << name << ": " << study.status() << "\n";
          return 1;
        }
        double best = std::numeric_limits<double>::infinity();
        for (int t = 0; t < trials; ++t) {
          absl::StatusOr<v1::AskResponse> response = client.Ask(name, /*lease=*/false);
          absl::StatusOr<v1::Trial> trial =
              response.ok() ? absl::StatusOr<v1::Trial>(response->trial()) : response.status();
          if (!trial.ok()) {
            std::cerr << "ask " << name << ": " << trial.status() << "\n";
            return 1;
          }
          const double value = problem.f(trial->params());
          best = std::min(best, value);
          v1::TellRequest tell;
          tell.set_study_name(name);
          tell.set_trial_number(trial->number());
          tell.set_value(value);
          if (absl::Status s = client.Tell(tell).status(); !s.ok()) {
            std::cerr << "tell " << name << ": " << s << "\n";
            return 1;
          }
        }
        results[key].push_back(best);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("hpo TPE through the service: %d trials, %d seeds (%.1f s)\n", trials, seeds,
              seconds);
  PrintQuartiles(results);
  if (!out.empty()) WriteResultsJson(out, nlohmann::ordered_json::object(), results);
  return 0;
}

}  // namespace
}  // namespace hpo::bench

int main(int argc, char** argv) { return hpo::bench::Main(argc, argv); }
