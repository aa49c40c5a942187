// The dashboard's server side at 100,000 trials (issue #16), against a
// running hpo-coordinator started with --http (run.sh starts it):
//   dashboard_bench --coordinator ADDR --http ADDR --pid PID --study NAME
//       [--fill N [--steps 10] [--clients 8]]  create the study, add N trials
//       [--api [--repeat 20]]                  time the page's /api calls
//       [--load-seconds S [--clients 16] [--think-ms 20] [--http-poll]]
//                                              gRPC latency under load; with
//                                              --http-poll, while the page's polls
//                                              are replayed over HTTP (no browser)
//       [--out FILE.json]
// Fill: ask -> report `steps` intermediate values -> tell, from `clients`
// threads; 5% of the trials FAILED, 15% PRUNED at a random step, the rest
// COMPLETE. Load: coordinator_load_bench's acquire -> think -> complete loop
// on the same study, so that the study the page shows keeps changing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/coordinator_client.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/bench/common/coordinator_process.h"
#include "tests/bench/coordinator/load_client.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string coordinator, http, study = "dashboard-100k", out;
  pid_t pid = 0;
  int64_t fill = 0;
  int steps = 10;
  int clients = 0;  // 0: 8 for the fill, 16 for the load
  bool api = false;
  int repeat = 20;
  double load_seconds = 0;
  int think_ms = 20;
  bool http_poll = false;
};

bool Parse(int argc, char** argv, Options* o) {
  const std::map<std::string, std::function<void(const char*)>> flags = {
      {"--coordinator", [o](const char* v) { o->coordinator = v; }},
      {"--http", [o](const char* v) { o->http = v; }},
      {"--pid", [o](const char* v) { o->pid = std::atoi(v); }},
      {"--study", [o](const char* v) { o->study = v; }},
      {"--out", [o](const char* v) { o->out = v; }},
      {"--fill", [o](const char* v) { o->fill = std::atoll(v); }},
      {"--steps", [o](const char* v) { o->steps = std::atoi(v); }},
      {"--clients", [o](const char* v) { o->clients = std::atoi(v); }},
      {"--repeat", [o](const char* v) { o->repeat = std::atoi(v); }},
      {"--load-seconds", [o](const char* v) { o->load_seconds = std::atof(v); }},
      {"--think-ms", [o](const char* v) { o->think_ms = std::atoi(v); }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--api" || flag == "--http-poll") {
      (flag == "--api" ? o->api : o->http_poll) = true;
      continue;
    }
    const auto setter = flags.find(flag);
    if (setter == flags.end() || i + 1 == argc) {
      std::cerr << "dashboard_bench: unknown flag or missing value: " << flag << "\n";
      return false;
    }
    setter->second(argv[++i]);
  }
  if (o->coordinator.empty() || o->pid <= 0 || ((o->api || o->http_poll) && o->http.empty()) ||
      o->steps < 1 || o->repeat < 1 || o->clients < 0) {
    std::cerr << "dashboard_bench: needs --coordinator and --pid (and --http for --api)\n";
    return false;
  }
  return true;
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double Param(const v1::Trial& trial, const std::string& name) {
  const auto it = trial.params().find(name);
  return it == trial.params().end() ? 0 : it->second.float_value();
}

// One fill thread: trials until `remaining` runs out; the first error stops it.
void FillTrials(const Options& o, std::atomic<int64_t>* remaining, uint64_t seed, absl::Mutex* mu,
                std::vector<std::string>* errors) {
  CoordinatorClient client(o.coordinator);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  while (remaining->fetch_sub(1) > 0) {
    absl::StatusOr<v1::AskResponse> asked = client.Ask(o.study, /*lease=*/false);
    absl::Status status = asked.status();
    v1::TellRequest tell;
    if (status.ok()) {
      const v1::Trial& t = asked->trial();
      const double final_value =
          Objective(Param(t, "lr"), Param(t, "weight_decay"), Param(t, "beta1"), Param(t, "beta2"));
      const double roll = unit(rng);
      const int last_step = roll < 0.2 ? 1 + static_cast<int>(unit(rng) * o.steps) : o.steps;
      v1::TrialRef ref;
      ref.set_study_name(o.study);
      ref.set_trial_number(t.number());
      double value = final_value;
      for (int step = 1; step <= last_step && status.ok(); ++step) {
        value = final_value * (1 + 2.0 * (o.steps - step) / o.steps) + 0.01 * unit(rng);
        status = client.Report(ref, step, value).status();
      }
      tell.set_study_name(o.study);
      tell.set_trial_number(t.number());
      if (roll < 0.05) {
        tell.set_state(v1::Trial::FAILED);
        tell.set_fail_reason("diverged (bench)");
      } else if (roll < 0.2) {
        tell.set_state(v1::Trial::PRUNED);
      } else {
        tell.set_value(value);
      }
    }
    if (status.ok()) status = client.Tell(tell).status();
    if (!status.ok()) {
      absl::MutexLock lock(mu);
      errors->push_back(std::string(status.message()));
      return;
    }
  }
}

json Fill(const Options& o) {
  CoordinatorClient admin(o.coordinator);
  if (absl::Status s = admin.CreateStudy(LoadStudySpec(o.study, "random"), false).status();
      !s.ok()) {
    return json{{"error", "create study: " + std::string(s.message())}};
  }
  const int clients = o.clients > 0 ? o.clients : 8;
  std::atomic<int64_t> remaining{o.fill};
  absl::Mutex mu;
  std::vector<std::string> errors;
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back(FillTrials, std::cref(o), &remaining, 1000 + i, &mu, &errors);
  }
  for (std::thread& t : threads) t.join();
  const double seconds = MsSince(start) / 1000;
  const ProcessUsage usage = ReadUsage(o.pid);
  std::printf(
      "filled %lld trials of %d steps in %.1f s (%d clients, %zu errors%s%s); coordinator "
      "RSS %.1f MB, peak %.1f MB\n",
      static_cast<long long>(o.fill), o.steps, seconds, clients, errors.size(),
      errors.empty() ? "" : ", first: ", errors.empty() ? "" : errors[0].c_str(), usage.rss_mb,
      usage.peak_rss_mb);
  return json{{"trials", o.fill},       {"steps", o.steps},
              {"seconds", seconds},     {"errors", errors.size()},
              {"rss_mb", usage.rss_mb}, {"peak_rss_mb", usage.peak_rss_mb}};
}

// Times each of the page's calls `repeat` times; reports the size of the answer.
json TimeApi(const Options& o) {
  const std::string& study = o.study;  // run.sh names it without characters to escape
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"studies", "/api/studies"},
      {"study", "/api/studies/" + study},
      {"trials_10000_first", "/api/studies/" + study + "/trials?after=-1&limit=10000"},
      {"trials_10000_middle", "/api/studies/" + study + "/trials?after=49999&limit=10000"},
      {"trials_10000_no_steps", "/api/studies/" + study + "/trials?after=-1&limit=10000&steps=0"},
      {"trials_changed_10000_no_steps",
       "/api/studies/" + study + "/trials?changed_after=0&limit=10000&steps=0"},
      {"series", "/api/studies/" + study + "/series"},
      {"importance", "/api/studies/" + study + "/importance"},
  };
  httplib::Client client("http://" + o.http);
  client.set_read_timeout(60, 0);
  json j;
  for (const auto& [name, path] : calls) {
    std::vector<double> ms;
    size_t bytes = 0;
    int64_t trials = -1;
    std::string error;
    for (int i = 0; i < o.repeat && error.empty(); ++i) {
      const Clock::time_point start = Clock::now();
      httplib::Result answer = client.Get(path);
      ms.push_back(MsSince(start));
      if (!answer || answer->status != 200) {
        error = answer
                    ? "HTTP " + std::to_string(answer->status) + ": " + answer->body.substr(0, 200)
                    : httplib::to_string(answer.error());
        break;
      }
      bytes = answer->body.size();
      if (i == 0 && name.rfind("trials", 0) == 0) {
        trials = static_cast<int64_t>(json::parse(answer->body)["trials"].size());
      }
    }
    json q = Quantiles(ms);
    q["bytes"] = bytes;
    if (trials >= 0) q["trials"] = trials;
    if (!error.empty()) q["error"] = error;
    std::printf("  GET %-58s p50 %7.1f ms  max %7.1f ms  %9zu bytes%s%s\n", path.c_str(),
                q.value("p50_ms", 0.0), q.value("max_ms", 0.0), bytes,
                trials >= 0 ? (", " + std::to_string(trials) + " trials").c_str() : "",
                error.empty() ? "" : ("  ERROR " + error).c_str());
    j[name] = q;
  }
  const ProcessUsage usage = ReadUsage(o.pid);
  j["rss_mb"] = usage.rss_mb;
  j["peak_rss_mb"] = usage.peak_rss_mb;
  std::printf("  coordinator RSS %.1f MB, peak %.1f MB\n", usage.rss_mb, usage.peak_rss_mb);
  return j;
}

// The page's polls without the page: every 2 s the trials changed since the
// last poll (the page holds every trial already), every 5 s the study, its
// series and its importance; until `stop`. Returns each call's latency.
std::vector<double> ReplayPolls(const Options& o, const std::atomic<bool>* stop) {
  const std::string base = "/api/studies/" + o.study;
  httplib::Client client("http://" + o.http);
  client.set_keep_alive(true);
  client.set_read_timeout(60, 0);
  std::vector<double> ms;
  // Where the page is after loading: the study's revision now (an empty page says it).
  int64_t revision = 0;
  if (httplib::Result now = client.Get(base + "/trials?changed_after=9007199254740992&limit=1");
      now && now->status == 200) {
    revision = json::parse(now->body)["revision"].get<int64_t>();
  }
  for (int tick = 0; !stop->load(); ++tick) {
    std::vector<std::string> paths = {base + "/trials?changed_after=" + std::to_string(revision) +
                                      "&limit=10000&steps=0"};
    if (tick % 5 == 0) paths.insert(paths.end(), {base, base + "/series", base + "/importance"});
    for (const std::string& path : paths) {
      const Clock::time_point start = Clock::now();
      httplib::Result answer = client.Get(path);
      ms.push_back(MsSince(start));
      if (answer && answer->status == 200 && path == paths[0]) {
        revision = json::parse(answer->body)["revision"].get<int64_t>();
      }
    }
    for (int i = 0; i < 20 && !stop->load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return ms;
}

json Load(const Options& o) {
  Workload workload;
  workload.address = o.coordinator;
  workload.study = o.study;
  workload.acquire = true;
  workload.clients = o.clients > 0 ? o.clients : 16;
  workload.seconds = o.load_seconds;
  workload.think_ms = o.think_ms;
  std::atomic<bool> stop{false};
  std::vector<double> poll_ms;
  std::thread poller;
  if (o.http_poll) poller = std::thread([&] { poll_ms = ReplayPolls(o, &stop); });
  const LoadResult r = RunLoad(workload, o.pid);
  stop = true;
  if (poller.joinable()) poller.join();
  json j = {{"clients", workload.clients},
            {"think_ms", o.think_ms},
            {"finished", r.finished},
            {"errors", r.errors},
            {"wall_s", r.wall_seconds},
            {"acquire", Quantiles(r.take_ms)},
            {"complete", Quantiles(r.finish_ms)},
            {"coordinator_cpu_s", r.coordinator_end.cpu_seconds - r.coordinator_start.cpu_seconds},
            {"rss_mb", r.coordinator_end.rss_mb},
            {"peak_rss_mb", r.coordinator_end.peak_rss_mb}};
  std::printf(
      "  gRPC, %d workers (think %d ms): %lld trials in %.1f s, %lld errors; AcquireTrial p50 %.2f "
      "p99 %.2f ms; CompleteTrial p50 %.2f p99 %.2f ms; coordinator %.2f CPU s, RSS %.1f MB\n",
      workload.clients, o.think_ms, static_cast<long long>(r.finished), r.wall_seconds,
      static_cast<long long>(r.errors), j["acquire"].value("p50_ms", 0.0),
      j["acquire"].value("p99_ms", 0.0), j["complete"].value("p50_ms", 0.0),
      j["complete"].value("p99_ms", 0.0), j["coordinator_cpu_s"].get<double>(),
      r.coordinator_end.rss_mb);
  for (const std::string& e : r.first_errors) std::printf("    %s\n", e.c_str());
  if (o.http_poll) {
    j["http_polls"] = Quantiles(poll_ms);
    std::printf("  meanwhile %zu /api polls over HTTP: p50 %.1f ms, max %.1f ms\n", poll_ms.size(),
                j["http_polls"].value("p50_ms", 0.0), j["http_polls"].value("max_ms", 0.0));
  }
  return j;
}

int Main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, &o)) return 2;
  json j;
  if (o.fill > 0) j["fill"] = Fill(o);
  if (o.api) j["api"] = TimeApi(o);
  if (o.load_seconds > 0) j["load"] = Load(o);
  if (!o.out.empty()) std::ofstream(o.out) << j.dump(2) << "\n";
  const bool failed = (j.contains("fill") &&
                       (j["fill"].contains("error") || j["fill"]["errors"].get<size_t>() > 0)) ||
                      (j.contains("load") && j["load"]["errors"].get<int64_t>() > 0);
  return failed ? 3 : 0;
}

}  // namespace
}  // namespace hpo::bench

int main(int argc, char** argv) {
  // As coordinator_load_bench: no deadlock detection on every Abseil lock.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return hpo::bench::Main(argc, argv);
}
