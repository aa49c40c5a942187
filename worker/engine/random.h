// Seeded pseudo-random numbers for the training engine.
//
// The engine promises that the same configuration and seed give the same
// results. The standard library's distributions are implementation defined,
// so only the engine (std::mt19937_64, whose output the standard fixes) comes
// from <random>; the distributions below are ours.
//
// An Rng is a value type; it is not thread-safe (one per thread or per use).
#ifndef HPO_WORKER_ENGINE_RANDOM_H_
#define HPO_WORKER_ENGINE_RANDOM_H_

#include <cstdint>
#include <random>
#include <vector>

namespace hpo::engine {

class Rng {
 public:
  // Different `stream` values give independent-looking sequences for one
  // seed, so that e.g. initialisation does not depend on how many shuffles
  // happened before it.
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  uint64_t NextU64() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double Uniform(double low, double high) { return low + (high - low) * Uniform01(); }
  // Uniform in [0, n); n > 0. Unbiased (rejection sampling).
  uint64_t UniformInt(uint64_t n);
  double Normal(double mean, double stddev);

  // Fisher-Yates shuffle.
  template <typename T>
  void Shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(UniformInt(i));
      std::swap(values[i - 1], values[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
  // Box-Muller makes normals in pairs; the second one waits here.
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_RANDOM_H_
