// Latency of one suggestion, in process (no gRPC, no SQLite), of a
// 4-parameter study (lr and weight_decay log, beta1 and beta2 linear: the
// service benchmark's space). TPE (both modes) at 100, 1,000, 2,000 and
// 10,000 finished trials; with --sampler gp, the GP sampler (defaults) at
// 100, 200, 400 and 1,000: its fit is cubic in the trials, so the sizes that
// matter are smaller. "cold" is the first call on a fresh sampler (TPE builds
// its cache from the whole history); "warm" is the service's steady state:
// one more trial finished since the previous call (the GP keeps no cache, so
// its cold and warm differ by that one trial). Prints a table and writes
// JSON (--out), keys "mode/trials".
//
//   tpe_latency_bench [--out latency.json] [--sampler tpe|gp] [--sizes 100,200]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "server/sampler/gp_sampler.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/tpe_sampler.h"

namespace hpo {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of this thread: unlike wall time, not inflated when other
// processes preempt us on a shared machine.
double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

v1::StudySpec Space() {
  v1::StudySpec spec;
  spec.set_name("latency");
  spec.set_direction(v1::MINIMIZE);
  auto add = [&](const char* name, double low, double high, bool log) {
    v1::ParamSpec* p = spec.add_params();
    p->set_name(name);
    p->mutable_float_distribution()->set_low(low);
    p->mutable_float_distribution()->set_high(high);
    p->mutable_float_distribution()->set_log(log);
  };
  add("lr", 1e-4, 1e-2, true);
  add("weight_decay", 1e-6, 1e-1, true);
  add("beta1", 0.8, 0.99, false);
  add("beta2", 0.9, 0.9999, false);
  return spec;
}

double Objective(const server::ParamMap& p) {
  return std::pow(std::log10(p.at("lr").float_value()) + 3, 2) +
         0.1 * std::pow(std::log10(p.at("weight_decay").float_value()) + 3, 2) +
         std::pow(p.at("beta1").float_value() - 0.9, 2) +
         std::pow(p.at("beta2").float_value() - 0.999, 2);
}

// n finished trials with random parameters, numbered 0..n-1.
std::vector<v1::Trial> History(const v1::StudySpec& spec, int n) {
  server::RandomSampler random(1);
  std::vector<v1::Trial> history;
  history.reserve(n + 64);
  for (int i = 0; i < n; ++i) {
    v1::Trial t;
    t.set_number(i);
    t.set_state(v1::Trial::COMPLETE);
    *t.mutable_params() = *random.Sample(spec, {}, i);
    t.set_value(Objective(t.params()));
    history.push_back(std::move(t));
  }
  return history;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Latency {
  double cold_ms, warm_ms, warm_p90_ms, warm_cpu_ms;
};

// One cold call on `sampler` after `n` random finished trials, then `rounds`
// warm ones, each after telling the previous suggestion.
Latency Measure(server::Sampler& sampler, const v1::StudySpec& spec, int n, int rounds) {
  std::vector<v1::Trial> history = History(spec, n);
  auto t0 = Clock::now();
  server::ParamMap params = *sampler.Sample(spec, history, n);
  Latency latency;
  latency.cold_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::vector<double> warm, warm_cpu;
  for (int r = 0; r < rounds; ++r) {
    v1::Trial t;
    t.set_number(static_cast<int64_t>(history.size()));
    t.set_state(v1::Trial::COMPLETE);
    *t.mutable_params() = params;
    t.set_value(Objective(params));
    history.push_back(std::move(t));
    const double cpu0 = ThreadCpuMs();
    t0 = Clock::now();
    params = *sampler.Sample(spec, history, static_cast<int64_t>(history.size()));
    warm.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    warm_cpu.push_back(ThreadCpuMs() - cpu0);
  }
  std::sort(warm.begin(), warm.end());
  latency.warm_ms = Median(warm);
  latency.warm_p90_ms = warm[warm.size() * 9 / 10];
  latency.warm_cpu_ms = Median(warm_cpu);
  return latency;
}

// What one line of the table measures.
struct Config {
  std::string mode;
  std::function<std::unique_ptr<server::Sampler>()> make;
  std::vector<int> sizes;
  int (*rounds)(int n);  // warm calls at n trials: fewer where each is slow
};

// A GP suggestion at 1,000 trials takes seconds: a few calls give the median.
int GpRounds(int n) {
  if (n >= 1000) return 3;
  return n >= 400 ? 5 : 10;
}

std::vector<Config> Configs(const std::string& sampler) {
  if (sampler == "gp") {
    return {{"gp",
             [] { return std::make_unique<server::GpSampler>(7, server::GpOptions{}); },
             {100, 200, 400, 1000},
             GpRounds}};
  }
  std::vector<Config> configs;
  for (bool multivariate : {false, true}) {
    server::TpeOptions options;
    options.multivariate = multivariate;
    configs.push_back({multivariate ? "multivariate" : "independent",
                       [options] { return std::make_unique<server::TpeSampler>(7, options); },
                       {100, 1000, 2000, 10000},
                       [](int n) { return n >= 10000 ? 30 : 50; }});
  }
  return configs;
}

// "100,200" as {100, 200}.
std::vector<int> ParseSizes(const std::string& list) {
  std::vector<int> sizes;
  std::stringstream in(list);
  for (std::string n; std::getline(in, n, ',');) sizes.push_back(std::atoi(n.c_str()));
  return sizes;
}

int Main(int argc, char** argv) {
  std::string out, sampler = "tpe", sizes;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
    if (!std::strcmp(argv[i], "--sampler")) sampler = argv[i + 1];
    if (!std::strcmp(argv[i], "--sizes")) sizes = argv[i + 1];
  }
  if (sampler != "tpe" && sampler != "gp") {
    std::fprintf(stderr, "unknown --sampler %s (expected tpe or gp)\n", sampler.c_str());
    return 2;
  }
  const v1::StudySpec spec = Space();
  std::string json = "{";
  std::printf("%-8s %-13s %10s %10s %12s %12s\n", "trials", "mode", "cold ms", "warm ms",
              "warm p90 ms", "warm cpu ms");
  for (Config& config : Configs(sampler)) {
    if (!sizes.empty()) config.sizes = ParseSizes(sizes);
    for (int n : config.sizes) {
      std::unique_ptr<server::Sampler> s = config.make();
      const Latency l = Measure(*s, spec, n, config.rounds(n));
      const char* mode = config.mode.c_str();
      std::printf("%-8d %-13s %10.3f %10.3f %12.3f %12.3f\n", n, mode, l.cold_ms, l.warm_ms,
                  l.warm_p90_ms, l.warm_cpu_ms);
      std::fflush(stdout);
      char buf[200];
      std::snprintf(
          buf, sizeof buf,
          "%s\n  \"%s/%d\": {\"cold_ms\": %.6g, \"warm_ms\": %.6g, \"warm_p90_ms\": %.6g, "
          "\"warm_cpu_ms\": %.6g}",
          json.size() > 1 ? "," : "", mode, n, l.cold_ms, l.warm_ms, l.warm_p90_ms, l.warm_cpu_ms);
      json += buf;
    }
  }
  json += "\n}\n";
  if (!out.empty()) std::ofstream(out) << json;
  return 0;
}

}  // namespace
}  // namespace hpo

int main(int argc, char** argv) { return hpo::Main(argc, argv); }
