// AdamW step bandwidth against a STREAM-style triad on this machine.
//
// Prints, for 1M and 10M float32 parameters, the time of one fused AdamW step
// and its bandwidth at 28 bytes per parameter (reads theta, g, m, v; writes
// theta, m, v), and the triad a = b + s * c over 50M floats (12 bytes per
// element) as the machine's practical ceiling. Not a test: run by run.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "worker/engine/adamw.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Best of `repeats` timings of `body`, after one warm-up call.
template <typename Body>
double BestSeconds(int repeats, Body body) {
  body();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const Clock::time_point start = Clock::now();
    body();
    best = std::min(best, Seconds(start));
  }
  return best;
}

__attribute__((noinline)) void Triad(float* __restrict a, const float* __restrict b,
                                     const float* __restrict c, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

double TriadGbPerS() {
  const int64_t n = 50'000'000;
  std::vector<float> a(n, 0.0f), b(n, 1.0f), c(n, 2.0f);
  const double seconds = BestSeconds(10, [&] { Triad(a.data(), b.data(), c.data(), 3.0f, n); });
  if (a[n / 2] != 7.0f) std::abort();
  return 12.0 * n / seconds / 1e9;
}

double AdamWGbPerS(int64_t n, bool amsgrad, double* ms) {
  hpo::engine::AdamWOptions options;
  options.amsgrad = amsgrad;
  const hpo::engine::AdamW adamw(options);
  auto state = adamw.MakeState<float>(n);
  std::vector<float> theta(n, 0.5f), grad(n);
  for (int64_t i = 0; i < n; ++i) grad[i] = static_cast<float>((i % 17) - 8) * 1e-3f;
  const double seconds =
      BestSeconds(n > 5'000'000 ? 20 : 100, [&] { adamw.Step(theta.data(), grad.data(), state); });
  *ms = seconds * 1e3;
  return (amsgrad ? 36.0 : 28.0) * n / seconds / 1e9;
}

}  // namespace

int main() {
  const double triad = TriadGbPerS();
  std::printf("triad (50M float32, 12 B/elem):            %6.1f GB/s\n", triad);
  for (const int64_t n : {int64_t{1'000'000}, int64_t{10'000'000}}) {
    double ms = 0;
    const double gbs = AdamWGbPerS(n, false, &ms);
    std::printf(
        "hpo AdamW step %3lldM params (28 B/param): %6.1f GB/s  %7.3f ms  %5.1f%% of triad\n",
        static_cast<long long>(n / 1'000'000), gbs, ms, 100.0 * gbs / triad);
  }
  double ms = 0;
  const double gbs = AdamWGbPerS(10'000'000, true, &ms);
  std::printf("hpo AdamW amsgrad 10M params (36 B/param): %6.1f GB/s  %7.3f ms  %5.1f%% of triad\n",
              gbs, ms, 100.0 * gbs / triad);
  std::printf("{\"triad_gb_s\": %.2f, \"adamw_10m_gb_s\": %.2f}\n", triad,
              AdamWGbPerS(10'000'000, false, &ms));
  return 0;
}
