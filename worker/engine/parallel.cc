#include "worker/engine/parallel.h"

#include <algorithm>

namespace hpo::engine {

int ParallelFor(const ThreadPolicy& policy, int64_t n, int64_t item_work,
                absl::FunctionRef<void(int64_t, int64_t, int)> fn) {
  if (n <= 0) return 0;
  // Items per part for the least work worth a thread (divided, not
  // multiplied: no overflow).
  const int64_t min_items =
      std::max<int64_t>(1, policy.min_work_per_thread / std::max<int64_t>(item_work, 1));
  const int parts =
      static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(policy.threads, n / min_items), 1, n));
  if (parts == 1) {
    fn(0, n, 0);
    return 1;
  }
#pragma omp parallel for num_threads(parts) schedule(static, 1)
  for (int part = 0; part < parts; ++part) {
    fn(RangeStart(n, part, parts), RangeStart(n, part + 1, parts), part);
  }
  return parts;
}

}  // namespace hpo::engine
