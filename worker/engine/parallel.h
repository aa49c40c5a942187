// Intra-op parallelism for the engine's layers, as PyTorch's intra-op threads:
// a loop over [0, n) is cut into contiguous ranges, one per thread.
//
// The cut depends only on n and the number of parts, so a run is
// deterministic for a given thread count. One part runs inline on the
// caller's thread, without starting a parallel region.
#ifndef HPO_WORKER_ENGINE_PARALLEL_H_
#define HPO_WORKER_ENGINE_PARALLEL_H_

#include <cstdint>

#include "absl/functional/function_ref.h"

namespace hpo::engine {

// The start of range `part` of `parts` over [0, n): range p is
// [RangeStart(n, p, parts), RangeStart(n, p + 1, parts)).
inline int64_t RangeStart(int64_t n, int part, int parts) { return n * part / parts; }

// The least work worth a thread of its own, in values touched or
// multiply-adds: below it, starting and joining a thread costs more than it
// saves (as PyTorch's grain size; a bit larger, since a busy machine may
// keep a thread waiting).
inline constexpr int64_t kMinWorkPerThread = 1 << 17;

// How a layer may spread a pass.
struct ThreadPolicy {
  int threads = 1;
  int64_t min_work_per_thread = kMinWorkPerThread;  // tests lower it to split small models
};

// Calls fn(begin, end, part) for part = 0 .. k-1, each on its own thread,
// where the ranges [begin, end) cut [0, n) into k contiguous pieces of sizes
// differing by at most one, and k = min(threads, n, the number of pieces of
// at least min_work_per_thread when an item costs `item_work`), at least 1.
// Returns k (0 when n <= 0, and then calls nothing). `fn` must not throw.
// Without OpenMP the parts run one after another, with the same ranges.
int ParallelFor(const ThreadPolicy& policy, int64_t n, int64_t item_work,
                absl::FunctionRef<void(int64_t, int64_t, int)> fn);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_PARALLEL_H_
