// What a task's model costs in memory. A study's spec is untrusted: a model
// too large for a worker is refused at the door by the spec validator (with
// the widest widths and batch its search space allows), and again by the
// worker once the data's real shape is known, before anything is allocated.
//
// Pure functions; thread-safe.
#ifndef HPO_COMMON_MODEL_COST_H_
#define HPO_COMMON_MODEL_COST_H_

#include <cstdint>
#include <limits>
#include <vector>

namespace hpo {

// Weights and biases; training keeps about five copies (parameters,
// gradients, AdamW's two moments, AMSGrad's maximum), 4 bytes each.
inline constexpr int64_t kMaxModelParameters = 50'000'000;
// The activation buffers of one batch (forward values, their gradients and
// dropout masks of every layer, input and output included).
inline constexpr int64_t kMaxActivationBytes = int64_t{1} << 30;

namespace model_cost_internal {
inline int64_t SaturatingMul(int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) {
    return std::numeric_limits<int64_t>::max();
  }
  return a * b;
}
inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}
}  // namespace model_cost_internal

// `widths` is {inputs, hidden..., outputs}, every entry >= 1. Saturates at
// INT64_MAX rather than overflow.
inline int64_t ModelParameters(const std::vector<int64_t>& widths) {
  using namespace model_cost_internal;
  int64_t total = 0;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    total = SaturatingAdd(total, SaturatingMul(SaturatingAdd(widths[i], 1), widths[i + 1]));
  }
  return total;
}

inline int64_t ActivationBytes(const std::vector<int64_t>& widths, int64_t batch_size) {
  using namespace model_cost_internal;
  int64_t units = 0;
  for (int64_t width : widths) units = SaturatingAdd(units, width);
  // Four float buffers per unit and example.
  return SaturatingMul(SaturatingMul(units, batch_size), 16);
}

}  // namespace hpo

#endif  // HPO_COMMON_MODEL_COST_H_
