// Eight workers asking at once: on every function of the suite and for each
// sampler mode (bench_common.h's kModes), 8 threads share one 100-trial study
// on a real hpo-coordinator (each with its own gRPC channel), each
// evaluation taking a few milliseconds so that trials overlap. Checks that
// no two trials RUNNING at the same time got the same parameters, and prints
// median [q1, q3] of the best value over the seeds, for compare.py to set
// beside the sequential quartiles.
//
//   tpe_parallel_bench [--seeds 20] [--workers 8] [--out parallel.json]
//                      [--modes independent,multivariate,gp]
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/coordinator_client.h"
#include "tests/bench/common/coordinator_process.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

std::string Key(const Params& params) {
  std::map<std::string, std::string> sorted;
  for (const auto& [name, value] : params) sorted[name] = value.SerializeAsString();
  std::string key;
  for (const auto& [name, value] : sorted) key += name + "=" + value + ";";
  return key;
}

int Main(int argc, char** argv) {
  int seeds = 20, workers = 8, trials = 100;
  std::string out, mode_list = "independent,multivariate,gp";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--workers")) workers = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
    if (!std::strcmp(argv[i], "--modes")) mode_list = argv[i + 1];
  }
  const std::vector<const Mode*> modes = ParseModes(mode_list);
  if (modes.empty()) return 2;
  // The database in /dev/shm: this measures the sampler, not the disk.
  CoordinatorProcess service(CoordinatorBinary(argv[0]), "", "/dev/shm");
  Results results;
  int64_t duplicates_running = 0, duplicates_total = 0, asked = 0;
  for (const Problem& problem : Suite()) {
    for (const Mode* mode : modes) {
      const std::string key = problem.name + "/" + mode->name;
      for (int seed = 0; seed < seeds; ++seed) {
        const std::string name = problem.name + "-parallel" + mode->tag + std::to_string(seed);
        CoordinatorClient admin(service.address());
        if (absl::Status s =
                admin.CreateStudy(mode->study(problem, name, seed, trials), false).status();
            !s.ok()) {
          std::cerr << "create " << name << ": " << s << "\n";
          return 1;
        }
        std::mutex mu;
        std::multiset<std::string> running;  // parameters under evaluation
        std::set<std::string> all;
        double best = std::numeric_limits<double>::infinity();
        std::atomic<bool> failed{false};
        std::vector<std::thread> threads;
        for (int w = 0; w < workers; ++w) {
          threads.emplace_back([&, w] {
            CoordinatorClient client(service.address());
            std::mt19937_64 jitter(seed * 100 + w);
            while (!failed) {
              absl::StatusOr<v1::AskResponse> response = client.Ask(name, /*lease=*/false);
              absl::StatusOr<v1::Trial> trial =
                  response.ok() ? absl::StatusOr<v1::Trial>(response->trial()) : response.status();
              if (!trial.ok()) {
                if (trial.status().code() != absl::StatusCode::kFailedPrecondition) {
                  std::cerr << "ask: " << trial.status() << "\n";
                  failed = true;
                }
                return;  // max_trials reached
              }
              const std::string params = Key(trial->params());
              {
                std::lock_guard<std::mutex> lock(mu);
                ++asked;
                duplicates_running += running.count(params) > 0;
                duplicates_total += !all.insert(params).second;
                running.insert(params);
              }
              // An evaluation takes 2-6 ms, so several trials run at once.
              std::this_thread::sleep_for(std::chrono::microseconds(2000 + jitter() % 4000));
              const double value = problem.f(trial->params());
              {
                std::lock_guard<std::mutex> lock(mu);
                running.erase(running.find(params));
                best = std::min(best, value);
              }
              v1::TellRequest tell;
              tell.set_study_name(name);
              tell.set_trial_number(trial->number());
              tell.set_value(value);
              if (absl::Status s = client.Tell(tell).status(); !s.ok()) {
                std::cerr << "tell: " << s << "\n";
                failed = true;
                return;
              }
            }
          });
        }
        for (std::thread& t : threads) t.join();
        if (failed) return 1;
        results[key].push_back(best);
      }
    }
  }
  std::printf("hpo samplers, %d workers asking at once, %d trials, %d seeds\n", workers, trials,
              seeds);
  std::printf(
      "trials asked: %lld; asked while an identical trial was RUNNING: %lld; "
      "identical to any earlier trial: %lld\n",
      static_cast<long long>(asked), static_cast<long long>(duplicates_running),
      static_cast<long long>(duplicates_total));
  PrintQuartiles(results);
  if (!out.empty()) {
    WriteResultsJson(out,
                     {{"duplicates_running", duplicates_running},
                      {"duplicates_total", duplicates_total},
                      {"asked", asked}},
                     results);
  }
  return duplicates_running == 0 ? 0 : 2;
}

}  // namespace
}  // namespace hpo::bench

int main(int argc, char** argv) { return hpo::bench::Main(argc, argv); }
