// A synthetic regression problem with a known answer, for tests and demos:
// x ~ U(-1, 1) (one feature), y = 3 x + 2 + N(0, 0.1^2).
//
// Free functions; thread-safe.
#ifndef HPO_WORKER_ENGINE_SYNTHETIC_H_
#define HPO_WORKER_ENGINE_SYNTHETIC_H_

#include <cstdint>

#include "worker/engine/dataset.h"
#include "worker/engine/random.h"

namespace hpo::engine {

inline constexpr double kSyntheticSlope = 3.0;
inline constexpr double kSyntheticIntercept = 2.0;
inline constexpr double kSyntheticNoiseStddev = 0.1;

// `n` examples drawn from `rng` (x then noise, example by example).
Dataset MakeSyntheticRegression(int64_t n, Rng& rng);

// Train then validation examples from one seeded stream; test is empty.
DataSplit MakeSyntheticRegressionSplit(int64_t train_examples, int64_t validation_examples,
                                       uint64_t seed);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_SYNTHETIC_H_
