#include "worker/engine/parallel.h"

#include <algorithm>

namespace hpo::engine {

int ParallelFor(int threads, int64_t n, absl::FunctionRef<void(int64_t, int64_t, int)> fn) {
  if (n <= 0) return 0;
  const int parts = static_cast<int>(std::clamp<int64_t>(threads, 1, n));
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
