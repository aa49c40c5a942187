// Reproducible random streams for the samplers: a value drawn for a trial
// depends only on (seed, trial number, a name), with generators and
// conversions fully specified by the C++ standard and this file, so the same
// study replays identically on every platform and after a restart.
#ifndef HPO_SERVER_SAMPLER_SAMPLER_RNG_H_
#define HPO_SERVER_SAMPLER_SAMPLER_RNG_H_

#include <cstdint>
#include <limits>
#include <random>
#include <string_view>

namespace hpo::server {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// FNV-1a: std::hash is not the same on every platform.
inline uint64_t HashName(std::string_view name) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

// One stream per (seed, trial, name).
inline std::mt19937_64 EngineFor(uint64_t seed, int64_t trial_number, std::string_view name) {
  const uint64_t trial_key = SplitMix64(SplitMix64(seed) + static_cast<uint64_t>(trial_number));
  return std::mt19937_64(SplitMix64(trial_key ^ HashName(name)));
}

// Uniform in [0, 1) from the top 53 bits; std::uniform_real_distribution's
// output differs between standard libraries.
inline double UniformUnit(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

// Uniform in [0, max] by rejection, without modulo bias.
inline uint64_t UniformIndex(std::mt19937_64& engine, uint64_t max) {
  if (max == std::numeric_limits<uint64_t>::max()) return engine();
  const uint64_t range = max + 1;
  const uint64_t threshold = (0 - range) % range;  // 2^64 mod range
  while (true) {
    const uint64_t x = engine();
    if (x >= threshold) return x % range;
  }
}

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_SAMPLER_RNG_H_
