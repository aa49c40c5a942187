#include "server/sampler/tpe_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace hpo::server::tpe {
namespace {

// e^r by its Taylor series to r^12 (truncation error below 2e-16 relative
// for |r| <= ln2 / 2), in Horner form: the same operations for one double
// and for a vector of them, so both give the same results.
template <typename T>
T ExpTaylor(T r) {
  T p = T{} + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p;
}

}  // namespace

double ExpNonPositive(double x) {
  x = x < -708.0 ? -708.0 : x;
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238;
  constexpr double kLn2Lo = 1.9082149292705877e-10;
  const double n = std::floor(x * kLog2e + 0.5);
  const double r = (x - n * kLn2Hi) - n * kLn2Lo;  // |r| <= ln2 / 2
  const double p = ExpTaylor(r);
  const int64_t bits = (static_cast<int64_t>(n) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

namespace {

// GCC/Clang vector extensions: four doubles, one AVX2 register (two SSE
// ones elsewhere), with the same results on every ISA.
typedef double V8 __attribute__((vector_size(32)));
typedef int64_t V8i __attribute__((vector_size(32)));
constexpr int kLanes = 4;

V8 Load(const double* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

V8 Splat(double x) { return V8{} + x; }

// ExpNonPositive on four lanes. Rounds with the 1.5 * 2^52 shifter, whose
// low mantissa bits then hold n as an integer.
V8 ExpNonPositive8(V8 x) {
  const V8 floor_value = Splat(-708.0);
  x = x < floor_value ? floor_value : x;
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52
  const V8 shifted = x * 1.4426950408889634 + kShifter;
  const V8 n = shifted - kShifter;
  const V8 r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10;
  const V8 p = ExpTaylor(r);
  const V8i shifter_bits = (V8i)Splat(kShifter);
  const V8i scale_bits = (((V8i)shifted - shifter_bits) + 1023) << 52;
  return p * (V8)scale_bits;
}

}  // namespace

double LogSumExp(const double* t, int64_t n) {
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  V8 lane_max = Splat(kNegInf);
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    const V8 v = Load(t + k);
    lane_max = v > lane_max ? v : lane_max;
  }
  double max = kNegInf;
  for (; k < n; ++k) max = t[k] > max ? t[k] : max;
  for (int j = 0; j < kLanes; ++j) max = lane_max[j] > max ? lane_max[j] : max;
  if (!(max > kNegInf) || std::isinf(max)) return max;
  V8 lane_sum = Splat(0.0);
  const V8 max8 = Splat(max);
  k = 0;
  for (; k + kLanes <= n; k += kLanes) lane_sum += ExpNonPositive8(Load(t + k) - max8);
  double sum = 0;
  for (; k < n; ++k) sum += ExpNonPositive(t[k] - max);
  for (int j = 0; j < kLanes; ++j) sum += lane_sum[j];
  return max + std::log(sum);
}

void GaussianTerms(double x, const double* mu, const double* inv_sigma, const double* c, int64_t n,
                   double* terms) {
  for (int64_t k = 0; k < n; ++k) {
    const double z = (x - mu[k]) * inv_sigma[k];
    terms[k] = c[k] - 0.5 * z * z;
  }
}

void AddGaussianTerms(double x, const double* mu, const double* inv_sigma, int64_t n,
                      double* terms) {
  for (int64_t k = 0; k < n; ++k) {
    const double z = (x - mu[k]) * inv_sigma[k];
    terms[k] -= 0.5 * z * z;
  }
}

}  // namespace hpo::server::tpe
