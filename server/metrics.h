// What the coordinator counts and times for Prometheus (rendered as text by
// server/http/metrics_text.h): lock-free counters and fixed-bucket
// histograms, cheap enough to update on every call. Trial counts by study and
// state are not kept here: they come from the studies' own summaries.
#ifndef HPO_SERVER_METRICS_H_
#define HPO_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace hpo::server {

class Counter {
 public:
  void Increment(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations in seconds, counted in cumulative buckets as Prometheus
// histograms are (each bucket counts what is <= its bound).
class Histogram {
 public:
  static constexpr std::array<double, 13> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  void Observe(double seconds);
  // Observations <= kBounds[i]; index kBounds.size() counts all of them.
  int64_t cumulative_count(size_t i) const;
  int64_t count() const { return cumulative_count(kBounds.size()); }
  double sum() const { return sum_micros_.load(std::memory_order_relaxed) * 1e-6; }

 private:
  // Not cumulative; the last counts what is above every bound.
  std::array<std::atomic<int64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<int64_t> sum_micros_{0};
};

// Observes the seconds from construction to destruction.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram* histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    if (histogram_ != nullptr) {
      histogram_->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram* histogram_;
  std::chrono::steady_clock::time_point start_;
};

struct CoordinatorMetrics {
  Counter asks;
  Counter acquires_with_trial;     // AcquireTrial handed out a trial
  Counter acquires_without_trial;  // ... or told the worker to come back later
  Counter lease_expiries;
  Histogram commit_seconds;  // one group commit (a SQLite transaction)
  Histogram sample_seconds;  // one sampler suggestion
};

}  // namespace hpo::server

#endif  // HPO_SERVER_METRICS_H_
