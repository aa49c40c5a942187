// The coordinator at speed (issue #7): starts a real hpo-coordinator with a
// fresh, durable SQLite database, creates a study over AdamW's four
// parameters, optionally prefills it, then lets N clients (each on its own
// gRPC connection) run trials with a trivial objective and prints finished
// trials/s, per-call latency quantiles, errors, and the coordinator's CPU time
// and resident memory.
//
//   coordinator_load_bench [--mode acquire|ask] [--sampler random|tpe]
//       [--clients 8] [--trials 2000] [--seconds S] [--prefill 0]
//       [--prefill-clients 8] [--think-ms 0] [--list-check] [--db-dir DIR]
//       [--out result.json]
//
// --trials and --seconds bound the measured phase, whichever comes first
// (--trials 2000 when neither is given). --list-check then times a full paged
// ListTrials, GetBestTrial and GetStudy on the study. --db-dir keeps the
// database (DIR/load.db) for later use.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/coordinator_client.h"
#include "nlohmann/json.hpp"
#include "tests/bench/common/coordinator_process.h"
#include "tests/bench/coordinator/load_client.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Large enough never to be reached (the coordinator's own limit).
constexpr int32_t kMaxStudyTrials = 1'000'000;

struct Options {
  std::string mode = "acquire";
  std::string sampler = "random";
  int clients = 8;
  int64_t trials = 0;
  double seconds = 0;
  int64_t prefill = 0;
  int prefill_clients = 8;
  int think_ms = 0;
  bool list_check = false;
  std::string db_dir;
  std::string out;
};

bool Parse(int argc, char** argv, Options* o) {
  const std::map<std::string, std::function<void(const char*)>> flags = {
      {"--mode", [o](const char* v) { o->mode = v; }},
      {"--sampler", [o](const char* v) { o->sampler = v; }},
      {"--clients", [o](const char* v) { o->clients = std::atoi(v); }},
      {"--trials", [o](const char* v) { o->trials = std::atoll(v); }},
      {"--seconds", [o](const char* v) { o->seconds = std::atof(v); }},
      {"--prefill", [o](const char* v) { o->prefill = std::atoll(v); }},
      {"--prefill-clients", [o](const char* v) { o->prefill_clients = std::atoi(v); }},
      {"--think-ms", [o](const char* v) { o->think_ms = std::atoi(v); }},
      {"--db-dir", [o](const char* v) { o->db_dir = v; }},
      {"--out", [o](const char* v) { o->out = v; }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--list-check") {
      o->list_check = true;
      continue;
    }
    const auto setter = flags.find(flag);
    if (setter == flags.end()) {
      std::cerr << "unknown flag " << flag << "\n";
      return false;
    }
    if (i + 1 >= argc) {
      std::cerr << flag << ": needs a value\n";
      return false;
    }
    setter->second(argv[++i]);
  }
  if (o->mode != "acquire" && o->mode != "ask") {
    std::cerr << "--mode: acquire or ask\n";
    return false;
  }
  if (o->sampler != "random" && o->sampler != "tpe") {
    std::cerr << "--sampler: random or tpe\n";
    return false;
  }
  if (o->clients < 1 || o->prefill_clients < 1 || o->trials < 0 || o->prefill < 0) {
    std::cerr << "--clients and --prefill-clients must be >= 1, --trials and --prefill >= 0\n";
    return false;
  }
  if (o->trials == 0 && o->seconds <= 0) o->trials = 2000;
  return true;
}

v1::StudySpec LoadStudy(const Options& o) {
  v1::StudySpec spec = LoadStudySpec("load-" + o.sampler, o.sampler);
  // Independent TPE, as the peer's TPESampler(seed=seed).
  if (o.sampler == "tpe") spec.mutable_sampler()->set_multivariate(false);
  spec.set_max_trials(kMaxStudyTrials);
  return spec;
}

json Report(const Options& o, const LoadResult& r) {
  const double cpu = r.coordinator_end.cpu_seconds - r.coordinator_start.cpu_seconds;
  const double self_cpu = r.self_end.cpu_seconds - r.self_start.cpu_seconds;
  const bool acquire = o.mode == "acquire";
  json j = {
      {"mode", o.mode},
      {"sampler", o.sampler},
      {"clients", o.clients},
      {"think_ms", o.think_ms},
      {"prefill", o.prefill},
      {"finished", r.finished},
      {"wall_s", r.wall_seconds},
      {"trials_per_s", r.wall_seconds > 0 ? static_cast<double>(r.finished) / r.wall_seconds : 0},
      {acquire ? "acquire" : "ask", Quantiles(r.take_ms)},
      {acquire ? "complete" : "tell", Quantiles(r.finish_ms)},
      {"errors", r.errors},
      {"first_errors", r.first_errors},
      {"empty_acquires", r.empty_acquires},
      {"coordinator_cpu_s", cpu},
      {"coordinator_cpu_ms_per_trial", r.finished > 0 ? 1000 * cpu / r.finished : 0},
      {"loadgen_cpu_s", self_cpu},
      {"coordinator_rss_mb", r.coordinator_end.rss_mb},
      {"coordinator_peak_rss_mb", r.coordinator_end.peak_rss_mb},
  };
  return j;
}

void PrintQuantiles(const char* name, const json& q) {
  if (q["n"] == 0) return;
  std::printf("  %-8s n=%-7lld p50 %7.3f ms   p99 %8.3f ms   max %8.3f ms\n", name,
              q["n"].get<long long>(), q["p50_ms"].get<double>(), q["p99_ms"].get<double>(),
              q["max_ms"].get<double>());
}

void Print(const json& j) {
  std::printf("hpo coordinator load: %s, %s sampler, %d clients, think %d ms, prefill %lld\n",
              j["mode"].get<std::string>().c_str(), j["sampler"].get<std::string>().c_str(),
              j["clients"].get<int>(), j["think_ms"].get<int>(), j["prefill"].get<long long>());
  std::printf("  finished %lld trials in %.2f s: %.1f trials/s\n", j["finished"].get<long long>(),
              j["wall_s"].get<double>(), j["trials_per_s"].get<double>());
  for (const char* kind : {"acquire", "complete", "ask", "tell"}) {
    if (j.contains(kind)) PrintQuantiles(kind, j[kind]);
  }
  std::printf("  errors: %lld", j["errors"].get<long long>());
  if (j["empty_acquires"].get<long long>() > 0) {
    std::printf(" (and %lld acquires with nothing to do)", j["empty_acquires"].get<long long>());
  }
  std::printf("\n");
  for (const auto& e : j["first_errors"]) std::printf("    %s\n", e.get<std::string>().c_str());
  const double wall = j["wall_s"].get<double>();
  std::printf(
      "  coordinator: %.2f CPU s (%.3f ms per trial, %.0f%% of one core); RSS %.1f MB, peak "
      "%.1f MB\n",
      j["coordinator_cpu_s"].get<double>(), j["coordinator_cpu_ms_per_trial"].get<double>(),
      wall > 0 ? 100 * j["coordinator_cpu_s"].get<double>() / wall : 0,
      j["coordinator_rss_mb"].get<double>(), j["coordinator_peak_rss_mb"].get<double>());
  std::printf("  load generator: %.2f CPU s\n", j["loadgen_cpu_s"].get<double>());
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Times the calls a user makes on a big study; errors are counted, not fatal.
json ListCheck(const std::string& address, const std::string& study, pid_t coordinator) {
  CoordinatorClient client(address);
  json j;
  Clock::time_point start = Clock::now();
  absl::StatusOr<std::vector<v1::Trial>> trials = client.ListTrials(study);
  j["list_trials_s"] = SecondsSince(start);
  j["list_trials_n"] = trials.ok() ? trials->size() : 0;
  j["list_trials_error"] = trials.ok() ? "" : std::string(trials.status().message());
  start = Clock::now();
  absl::StatusOr<v1::Trial> best = client.GetBestTrial(study);
  j["get_best_trial_s"] = SecondsSince(start);
  j["get_best_trial_error"] = best.ok() ? "" : std::string(best.status().message());
  start = Clock::now();
  absl::StatusOr<v1::Study> summary = client.GetStudy(study);
  j["get_study_s"] = SecondsSince(start);
  j["get_study_error"] = summary.ok() ? "" : std::string(summary.status().message());
  const ProcessUsage usage = ReadUsage(coordinator);
  j["coordinator_rss_mb"] = usage.rss_mb;
  j["coordinator_peak_rss_mb"] = usage.peak_rss_mb;
  std::printf(
      "  list check: ListTrials (paged) %zu trials in %.3f s; GetBestTrial %.1f ms; GetStudy "
      "%.1f ms; coordinator RSS %.1f MB, peak %.1f MB\n",
      trials.ok() ? trials->size() : 0, j["list_trials_s"].get<double>(),
      1000 * j["get_best_trial_s"].get<double>(), 1000 * j["get_study_s"].get<double>(),
      usage.rss_mb, usage.peak_rss_mb);
  for (const char* key : {"list_trials_error", "get_best_trial_error", "get_study_error"}) {
    if (!j[key].get<std::string>().empty()) {
      std::printf("    %s: %s\n", key, j[key].get<std::string>().c_str());
    }
  }
  return j;
}

int Run(const Options& o, const std::string& binary) {
  CoordinatorProcess coordinator(binary, o.db_dir);
  const v1::StudySpec spec = LoadStudy(o);
  {
    CoordinatorClient admin(coordinator.address());
    if (absl::Status s = admin.CreateStudy(spec, false).status(); !s.ok()) {
      std::cerr << "create study: " << s << "\n";
      return 1;
    }
  }
  Workload workload;
  workload.address = coordinator.address();
  workload.study = spec.name();
  workload.acquire = o.mode == "acquire";
  if (o.prefill > 0) {
    workload.clients = o.prefill_clients;
    workload.trials = o.prefill;
    LoadResult prefill = RunLoad(workload, coordinator.pid());
    std::printf("prefilled %lld trials in %.1f s with %d clients (%lld errors)\n",
                static_cast<long long>(prefill.finished), prefill.wall_seconds, o.prefill_clients,
                static_cast<long long>(prefill.errors));
  }
  workload.clients = o.clients;
  workload.trials = o.trials;
  workload.seconds = o.seconds;
  workload.think_ms = o.think_ms;
  const LoadResult result = RunLoad(workload, coordinator.pid());
  json j = Report(o, result);
  Print(j);
  if (o.list_check)
    j["list_check"] = ListCheck(coordinator.address(), spec.name(), coordinator.pid());
  if (!o.db_dir.empty()) j["db"] = coordinator.db_path();
  if (!o.out.empty()) std::ofstream(o.out) << j.dump(2) << "\n";
  return result.errors == 0 ? 0 : 3;
}

int Main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, &o)) return 2;
  try {
    return Run(o, CoordinatorBinary(argv[0]));
  } catch (const std::runtime_error& e) {
    std::cerr << "coordinator_load_bench: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace
}  // namespace hpo::bench

int main(int argc, char** argv) {
  // gRPC locks Abseil mutexes on every call, and Debian's Abseil checks each
  // lock for deadlock cycles; the load generator shares the coordinator's two
  // cores, so it should not spend them on that (hpo-coordinator does the same).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return hpo::bench::Main(argc, argv);
}
