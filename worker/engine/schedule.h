// Learning-rate schedules and gradient clipping by global norm, as in
// /work/shared/reference/algorithms.md. The schedule is stepped once per
// optimiser step (per minibatch), not per epoch, so step_size, warmup_steps
// and the cosine period T are counted in optimiser steps.
//
// Stateless; thread-safe.
#ifndef HPO_WORKER_ENGINE_SCHEDULE_H_
#define HPO_WORKER_ENGINE_SCHEDULE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpo::engine {

enum class ScheduleType { kConstant, kStep, kCosine, kWarmupCosine };

// Accepts the names in hpo::kScheduleNames (common/task_settings.h).
absl::StatusOr<ScheduleType> ParseScheduleType(std::string_view name);
std::string_view ScheduleTypeName(ScheduleType type);

struct ScheduleOptions {
  ScheduleType type = ScheduleType::kConstant;
  int64_t step_size = 1;     // kStep: lr0 * gamma^floor(t / step_size)
  double gamma = 0.1;        // kStep
  double eta_min = 0.0;      // kCosine, kWarmupCosine: the final learning rate
  int64_t warmup_steps = 0;  // kWarmupCosine: W
};

// OK, or InvalidArgument naming the field as "schedule.<field>": step_size
// >= 1, gamma in (0, 1], eta_min finite and >= 0, warmup_steps >= 0.
absl::Status ValidateScheduleOptions(const ScheduleOptions& options);

// The learning rate of optimiser step t (t = 0 for the first step) of a run
// of `total_steps` steps (T) starting from `lr0`:
//   constant:      lr0
//   step:          lr0 * gamma^floor(t / step_size)
//   cosine:        eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T)) / 2
//   warmup_cosine: lr0 * t / W for t < W, then
//                  eta_min + (lr0 - eta_min) * (1 + cos(pi * (t - W) / (T - W))) / 2
// (so the first warmup step has lr 0, as torch's LambdaLR gives).
double ScheduledLr(const ScheduleOptions& options, double lr0, int64_t t, int64_t total_steps);

// Global L2 norm of `n` gradient entries, accumulated in double; +inf or NaN
// when an entry is not finite (a float squared cannot overflow a double).
double GlobalNorm(const float* gradients, int64_t n);

// torch.nn.utils.clip_grad_norm_: scales every entry by
// min(1, max_norm / (norm + 1e-6)) when that is below 1, where `norm` is
// GlobalNorm of the same entries. Returns the factor applied (1 if none).
double ClipByGlobalNorm(float* gradients, int64_t n, double norm, double max_norm);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_SCHEDULE_H_
