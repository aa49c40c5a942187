#include "server/metrics.h"

#include <algorithm>
#include <cmath>

namespace hpo::server {

void Histogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // a clock step back, or NaN
  const size_t i = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(std::llround(std::min(seconds, 1e9) * 1e6), std::memory_order_relaxed);
}

int64_t Histogram::cumulative_count(size_t i) const {
  int64_t total = 0;
  for (size_t j = 0; j <= std::min(i, kBounds.size()); ++j)
    total += buckets_[j].load(std::memory_order_relaxed);
  return total;
}

}  // namespace hpo::server
