#include "worker/engine/random.h"

#include <cmath>

namespace hpo::engine {
namespace {

// SplitMix64's finaliser: spreads nearby seeds (0, 1, 2, ...) over the whole
// 64-bit range before they reach the Mersenne Twister.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr double kTwoPi = 6.283185307179586476925;

}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) : engine_(Mix(seed ^ Mix(stream))) {}

uint64_t Rng::UniformInt(uint64_t n) {
  // Values below 2^64 mod n would make the low residues more likely.
  const uint64_t threshold = (0 - n) % n;
  uint64_t x;
  do {
    x = engine_();
  } while (x < threshold);
  return x % n;
}

double Rng::Normal(double mean, double stddev) {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return mean + stddev * spare_normal_;
  }
  // 1 - U is in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - Uniform01();
  const double u2 = Uniform01();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = kTwoPi * u2;
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return mean + stddev * radius * std::cos(angle);
}

}  // namespace hpo::engine
