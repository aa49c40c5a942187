// Trains a model (an MLP, or any Sequential of layers) with AdamW on a
// DataSplit, reporting after every epoch.
//
// Train is a pure function of its arguments (same config, seed and data give
// the same results on the same build) and keeps no global state, so several
// runs may proceed in parallel threads. The callback runs on the calling
// thread.
#ifndef HPO_WORKER_ENGINE_TRAINER_H_
#define HPO_WORKER_ENGINE_TRAINER_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "worker/engine/activations.h"
#include "worker/engine/adamw.h"
#include "worker/engine/dataset.h"
#include "worker/engine/init.h"
#include "worker/engine/layer_config.h"
#include "worker/engine/losses.h"
#include "worker/engine/schedule.h"

namespace hpo::engine {

struct TrainConfig {
  // The model's layers in order, the last giving the outputs (a spec's
  // model.layers; a last linear layer of size 0 gives as many as the data
  // needs); empty: the MLP of `hidden`, `activation` and `dropout`.
  std::vector<LayerConfig> layers;
  // One example's shape, as `layers` read it; unset: a vector of the data's
  // features. Its size must be the data's number of features.
  std::optional<Shape> input_shape;
  std::vector<int> hidden;  // hidden widths; empty = linear/logistic regression
  Activation activation = Activation::kRelu;
  Init init = Init::kHeNormal;
  AdamWOptions optimizer;  // optimizer.lr is the schedule's starting lr
  ScheduleOptions schedule;
  Loss loss = Loss::kDefault;
  double dropout = 0.0;        // MLP: after every hidden activation, training only
  double max_grad_norm = 0.0;  // clip by global norm; 0: no clipping
  int epochs = 1;
  int batch_size = 128;
  uint64_t seed = 0;  // init, shuffling and dropout
  // Threads for one step's layers (intra-op, as torch.set_num_threads): not
  // a hyperparameter but the worker's; results differ from one thread's only
  // by float rounding. 1 to kMaxTrainThreads.
  int threads = 1;
};

inline constexpr int kMaxTrainThreads = 256;

// OK, or InvalidArgument naming the field: epochs, batch_size, every hidden
// width, dropout and max_grad_norm by the rules of the settings of those names
// (common/task_settings.h), optimizer as ValidateAdamWOptions, schedule as
// ValidateScheduleOptions, threads.
absl::Status ValidateTrainConfig(const TrainConfig& config);

struct EpochReport {
  int epoch;             // 1-based
  double train_loss;     // mean over the epoch's training examples, before each step
  double val_loss;       // mean over the validation set after the epoch
  double val_accuracy;   // fraction in [0, 1]; NaN for regression
  double lr;             // scheduled learning rate of the epoch's last step
  double seconds;        // wall time of the epoch: training and validation
  double samples_per_s;  // training examples per second of the training phase
};

enum class Decision { kContinue, kStop };
using EpochCallback = std::function<Decision(const EpochReport&)>;

struct TrainSummary {
  std::vector<EpochReport> epochs;
  bool stopped_early = false;  // the callback returned kStop before the last epoch
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();  // when split.test is
                                                                    // non-empty (classification)
  double test_loss = std::numeric_limits<double>::quiet_NaN();      // when split.test is non-empty
  // The trained parameters, layer by layer in the model's layout
  // (worker/engine/layers/): for an MLP per layer W (out x in,
  // column-major), then b.
  std::vector<float> parameters;
};

// Trains on split.train, evaluates split.validation after each epoch and
// calls on_epoch (may be empty). By default classification
// (split.train.num_classes > 0) uses softmax cross-entropy and regression mean
// squared error (PyTorch's mean reduction); binary_cross_entropy needs two
// classes and gives the model one output. Minibatches follow a seeded shuffle
// each epoch; the last batch of an epoch may be smaller. Each step: forward,
// backward, clip, AdamW step with the scheduled lr, schedule step.
// Errors (InvalidArgument): an invalid config, naming the field; a loss that
// does not fit the data; an inconsistent or empty train/validation split,
// naming the part; a non-finite
// loss or gradient, "non-finite loss at epoch E, step S" (or "non-finite
// gradient ..."), S 1-based within the epoch.
absl::StatusOr<TrainSummary> Train(const TrainConfig& config, const DataSplit& split,
                                   const EpochCallback& on_epoch);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_TRAINER_H_
