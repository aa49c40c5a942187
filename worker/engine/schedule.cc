#include "worker/engine/schedule.h"

#include <cmath>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/task_settings.h"
#include "worker/engine/name_lookup.h"

namespace hpo::engine {
namespace {

constexpr ScheduleType kScheduleByName[] = {ScheduleType::kConstant, ScheduleType::kStep,
                                            ScheduleType::kCosine, ScheduleType::kWarmupCosine};
static_assert(std::size(kScheduleByName) == kScheduleNames.size());

constexpr double kPi = 3.14159265358979323846;

double CosineBetween(double high, double low, double progress) {
  return low + (high - low) * 0.5 * (1.0 + std::cos(kPi * progress));
}

}  // namespace

absl::StatusOr<ScheduleType> ParseScheduleType(std::string_view name) {
  return LookupName("schedule", name, kScheduleNames, kScheduleByName);
}

std::string_view ScheduleTypeName(ScheduleType type) {
  return NameOf(type, kScheduleNames, kScheduleByName);
}

absl::Status ValidateScheduleOptions(const ScheduleOptions& options) {
  if (options.step_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule.step_size is ", options.step_size, "; must be >= 1"));
  }
  if (!(options.gamma > 0 && options.gamma <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule.gamma is ", options.gamma, "; must be in (0, 1]"));
  }
  RETURN_IF_ERROR(CheckTaskSetting("eta_min", options.eta_min));
  return CheckTaskSetting("warmup_steps", static_cast<double>(options.warmup_steps));
}

double ScheduledLr(const ScheduleOptions& options, double lr0, int64_t t, int64_t total_steps) {
  switch (options.type) {
    case ScheduleType::kConstant:
      return lr0;
    case ScheduleType::kStep:
      return lr0 * std::pow(options.gamma, static_cast<double>(t / options.step_size));
    case ScheduleType::kCosine:
      if (total_steps <= 0) return lr0;
      return CosineBetween(lr0, options.eta_min,
                           static_cast<double>(t) / static_cast<double>(total_steps));
    case ScheduleType::kWarmupCosine: {
      const int64_t w = options.warmup_steps;
      if (t < w) return lr0 * static_cast<double>(t) / static_cast<double>(w);
      if (total_steps <= w) return lr0;
      return CosineBetween(lr0, options.eta_min,
                           static_cast<double>(t - w) / static_cast<double>(total_steps - w));
    }
  }
  return lr0;
}

double GlobalNorm(const float* gradients, int64_t n) {
  // Four accumulators let the compiler keep several additions in flight.
  double sums[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double g = gradients[i + k];
      sums[k] += g * g;
    }
  }
  for (; i < n; ++i) sums[0] += static_cast<double>(gradients[i]) * gradients[i];
  return std::sqrt((sums[0] + sums[1]) + (sums[2] + sums[3]));
}

double ClipByGlobalNorm(float* gradients, int64_t n, double norm, double max_norm) {
  const double factor = max_norm / (norm + 1e-6);
  if (!(factor < 1.0)) return 1.0;
  const float f = static_cast<float>(factor);
  for (int64_t i = 0; i < n; ++i) gradients[i] *= f;
  return factor;
}

}  // namespace hpo::engine
