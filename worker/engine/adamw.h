// AdamW (decoupled weight decay) with PyTorch's semantics, as specified in
// /work/shared/reference/algorithms.md.
//
// Split into rule and state, as in ensmallen: `AdamW` holds only the
// hyperparameters and is immutable, so one rule can drive any number of runs;
// `AdamWState` is built per run and owns the moments and the step count, so a
// re-run never inherits stale moments. AdamW is thread-safe (const);
// an AdamWState is not (one per run).
#ifndef HPO_WORKER_ENGINE_ADAMW_H_
#define HPO_WORKER_ENGINE_ADAMW_H_

#include <Eigen/Core>
#include <cstdint>

#include "absl/status/status.h"
#include "common/task_settings.h"

namespace hpo::engine {

// Defaults and rules: the settings of the same names in common/task_settings.h.
struct AdamWOptions {
  double lr = TaskSettingDefault("lr");
  double beta1 = TaskSettingDefault("beta1");
  double beta2 = TaskSettingDefault("beta2");
  double eps = TaskSettingDefault("eps");
  double weight_decay = TaskSettingDefault("weight_decay");
  bool amsgrad = false;
  bool maximize = false;
};

// OK, or InvalidArgument naming the offending field (as "optimizer.<field>").
absl::Status ValidateAdamWOptions(const AdamWOptions& options);

// Per-run optimiser state for `num_parameters` parameters of type Scalar
// (float for training, double to check against float64 golden values).
// m, v and (with amsgrad) v_max live in one contiguous buffer, zeroed.
template <typename Scalar>
class AdamWState {
 public:
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  AdamWState(int64_t num_parameters, bool amsgrad);

  int64_t num_parameters() const { return num_parameters_; }
  bool amsgrad() const { return amsgrad_; }
  // Steps taken so far (t in algorithms.md).
  int64_t step() const { return step_; }

  const Scalar* m() const { return moments_.data(); }
  const Scalar* v() const { return moments_.data() + num_parameters_; }
  // Null without amsgrad.
  const Scalar* v_max() const { return amsgrad_ ? moments_.data() + 2 * num_parameters_ : nullptr; }

 private:
  friend class AdamW;

  int64_t num_parameters_;
  bool amsgrad_;
  int64_t step_ = 0;
  Vector moments_;  // [m | v | v_max]
};

class AdamW {
 public:
  // `options` should have passed ValidateAdamWOptions.
  explicit AdamW(const AdamWOptions& options) : options_(options) {}

  const AdamWOptions& options() const { return options_; }

  template <typename Scalar>
  AdamWState<Scalar> MakeState(int64_t num_parameters) const {
    return AdamWState<Scalar>(num_parameters, options_.amsgrad);
  }

  // One step over all parameters in a single fused pass, with the learning
  // rate from the options (or `lr`, the scheduled rate of this step).
  // `parameters` and `gradients` hold state.num_parameters() values each and
  // must not overlap each other or the state.
  template <typename Scalar>
  void Step(Scalar* parameters, const Scalar* gradients, AdamWState<Scalar>& state) const {
    Step(options_.lr, parameters, gradients, state);
  }
  template <typename Scalar>
  void Step(double lr, Scalar* parameters, const Scalar* gradients,
            AdamWState<Scalar>& state) const;

 private:
  AdamWOptions options_;
};

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_ADAMW_H_
