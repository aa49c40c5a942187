#include "worker/engine/trainer.h"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/model_cost.h"
#include "common/status_macros.h"
#include "common/task_settings.h"
#include "worker/engine/layer_config.h"
#include "worker/engine/losses.h"
#include "worker/engine/random.h"
#include "worker/engine/sequential.h"

#ifdef HPO_HAVE_OPENBLAS
extern "C" void openblas_set_num_threads(int num_threads);
#endif

namespace hpo::engine {
namespace {

// One thread per trial: a worker process trains one trial at a time and
// several processes share the machine (benchmarks.md: two OpenBLAS threads
// were slower than one on two cores).
void UseOneBlasThread() {
#ifdef HPO_HAVE_OPENBLAS
  static const bool once = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)once;
#endif
}

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Rng streams: initialisation does not depend on the number of shuffles.
constexpr uint64_t kInitStream = 1;
constexpr uint64_t kShuffleStream = 2;
constexpr uint64_t kDropoutStream = 3;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

absl::Status CheckDataset(const Dataset& data, absl::string_view part, const Dataset& train,
                          bool may_be_empty) {
  const int64_t n = data.size();
  if (n == 0) {
    if (may_be_empty) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("split.", part, " is empty"));
  }
  if (data.features.rows() != train.features.rows() || data.features.rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("split.", part, ".features has ",
                                                   data.features.rows(), " rows; train has ",
                                                   train.features.rows()));
  }
  if (data.num_classes != train.num_classes || data.num_classes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "split.", part, ".num_classes is ", data.num_classes, "; train has ", train.num_classes));
  }
  if (data.is_classification()) {
    if (static_cast<int64_t>(data.labels.size()) != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "split.", part, ".labels has ", data.labels.size(), " entries for ", n, " examples"));
    }
    for (size_t i = 0; i < data.labels.size(); ++i) {
      if (data.labels[i] < 0 || data.labels[i] >= data.num_classes) {
        return absl::InvalidArgumentError(absl::StrCat("split.", part, ".labels[", i, "] is ",
                                                       data.labels[i], "; must be in [0, ",
                                                       data.num_classes, ")"));
      }
    }
  } else if (data.targets.cols() != n || data.targets.rows() == 0 ||
             data.targets.rows() != train.targets.rows()) {
    return absl::InvalidArgumentError(
        absl::StrCat("split.", part, ".targets is ", data.targets.rows(), "x", data.targets.cols(),
                     "; expected ", std::max<int64_t>(train.targets.rows(), 1), "x", n));
  }
  return absl::OkStatus();
}

absl::Status CheckSplit(const DataSplit& split) {
  RETURN_IF_ERROR(CheckDataset(split.train, "train", split.train, false));
  RETURN_IF_ERROR(CheckDataset(split.validation, "validation", split.train, false));
  return CheckDataset(split.test, "test", split.train, true);
}

struct Evaluation {
  double loss;
  double accuracy;  // NaN for regression
};

// The loss of `outputs` against `labels` (classification) or `targets`;
// with `gradient`, also d(loss)/d(outputs).
double BatchLoss(Loss loss, const Eigen::Ref<const Eigen::MatrixXf>& outputs, const int32_t* labels,
                 const Eigen::Ref<const Eigen::MatrixXf>& targets, float* gradient) {
  switch (loss) {
    case Loss::kBinaryCrossEntropy:
      return BinaryCrossEntropy<float>(outputs, labels, gradient);
    case Loss::kMse:
      return MeanSquaredError<float>(outputs, targets, gradient);
    case Loss::kCrossEntropy:
    case Loss::kDefault:
      break;
  }
  return SoftmaxCrossEntropy<float>(outputs, labels, gradient);
}

// Resolves kDefault and checks that the loss fits the data.
absl::StatusOr<Loss> ChooseLoss(Loss loss, const Dataset& train) {
  if (loss == Loss::kDefault) return train.is_classification() ? Loss::kCrossEntropy : Loss::kMse;
  if (loss == Loss::kMse && train.is_classification()) {
    return absl::InvalidArgumentError(
        "loss mse needs a regression dataset (use cross_entropy or binary_cross_entropy)");
  }
  if (loss != Loss::kMse && !train.is_classification()) {
    return absl::InvalidArgumentError(absl::StrCat("loss ", std::string(LossName(loss)),
                                                   " needs a classification dataset (use mse)"));
  }
  if (loss == Loss::kBinaryCrossEntropy && train.num_classes != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("loss binary_cross_entropy needs two classes; the data has ",
                     train.num_classes, " (use cross_entropy)"));
  }
  return loss;
}

// Batches of model.max_batch() columns, read in place from `data`.
Evaluation Evaluate(Sequential<float>& model, Loss loss, const Dataset& data) {
  const int64_t n = data.size();
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += model.max_batch()) {
    const int64_t b = std::min<int64_t>(model.max_batch(), n - start);
    const auto outputs = model.Forward(data.features.middleCols(start, b));
    if (data.is_classification()) {
      const int32_t* labels = data.labels.data() + start;
      loss_sum += BatchLoss(loss, outputs, labels, data.targets, nullptr) * b;
      correct += loss == Loss::kBinaryCrossEntropy ? CountCorrectBinary<float>(outputs, labels)
                                                   : CountCorrect<float>(outputs, labels);
    } else {
      loss_sum += BatchLoss(loss, outputs, nullptr, data.targets.middleCols(start, b), nullptr) * b;
    }
  }
  return {loss_sum / n, data.is_classification() ? static_cast<double>(correct) / n : kNaN};
}

absl::Status NonFinite(absl::string_view what, int epoch, int step) {
  return absl::InvalidArgumentError(
      absl::StrCat("non-finite ", what, " at epoch ", epoch, ", step ", step));
}

// The model must fit the bounds the spec validator applied with the data's
// shape unknown; RESOURCE_EXHAUSTED before any buffer is allocated.
absl::Status CheckModelCost(const std::vector<std::unique_ptr<Layer<float>>>& layers,
                            int max_batch) {
  using namespace model_cost_internal;
  std::vector<int64_t> widths = {layers.front()->input_shape().size()};
  int64_t parameters = 0;
  for (const auto& layer : layers) {
    widths.push_back(layer->output_shape().size());
    parameters = SaturatingAdd(parameters, layer->num_parameters());
  }
  if (parameters > kMaxModelParameters) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of memory: the model has ", parameters, " parameters with this data's ",
                     widths.front(), " features (at most ", kMaxModelParameters, ")"));
  }
  const int64_t activations = ActivationBytes(widths, max_batch);
  if (activations > kMaxActivationBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of memory: a batch of ", max_batch, " needs ", activations,
                     " bytes of activations with this data's ", widths.front(),
                     " features (at most ", kMaxActivationBytes, ")"));
  }
  return absl::OkStatus();
}

// The model of `config` for the data's examples, its last layer giving
// `outputs` values.
absl::StatusOr<Sequential<float>> BuildModel(const TrainConfig& config, const Dataset& train,
                                             int outputs, int max_batch) {
  const int features = static_cast<int>(train.features.rows());
  const Shape input = config.input_shape.value_or(Shape{features, 1, 1});
  if (input.size() != features) {
    return absl::InvalidArgumentError(absl::StrCat("model.input_shape ", input.ToString(), " has ",
                                                   input.size(), " values; the data has ", features,
                                                   " features"));
  }
  std::vector<LayerConfig> layers =
      config.layers.empty() ? MlpLayers(config.hidden, config.activation, config.dropout, outputs)
                            : config.layers;
  if (layers.back().kind == LayerConfig::Kind::kLinear && layers.back().size == 0) {
    layers.back().size = outputs;
  }
  absl::StatusOr<std::vector<std::unique_ptr<Layer<float>>>> built =
      BuildLayers<float>(input, layers);
  if (!built.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("model.", built.status().message()));
  }
  const Shape& output = built->back()->output_shape();
  if (output.size() != outputs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model: the last layer gives ", output.size(), " values per example; the data needs ",
        outputs, " (end with a linear layer of out_features ", outputs, ")"));
  }
  RETURN_IF_ERROR(CheckModelCost(*built, max_batch));
  return Sequential<float>::Create(*std::move(built), max_batch, {.threads = config.threads});
}

}  // namespace

absl::Status ValidateTrainConfig(const TrainConfig& config) {
  RETURN_IF_ERROR(CheckTaskSetting("epochs", config.epochs));
  RETURN_IF_ERROR(CheckTaskSetting("batch_size", config.batch_size));
  for (size_t i = 0; i < config.hidden.size(); ++i) {
    RETURN_IF_ERROR(
        CheckTaskSetting("width", config.hidden[i], absl::StrCat("model.hidden[", i, "]")));
  }
  RETURN_IF_ERROR(CheckTaskSetting("dropout", config.dropout));
  RETURN_IF_ERROR(CheckTaskSetting("max_grad_norm", config.max_grad_norm));
  RETURN_IF_ERROR(ValidateScheduleOptions(config.schedule));
  if (config.threads < 1 || config.threads > kMaxTrainThreads) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads is ", config.threads, "; must be in [1, ", kMaxTrainThreads, "]"));
  }
  return ValidateAdamWOptions(config.optimizer);
}

absl::StatusOr<TrainSummary> Train(const TrainConfig& config, const DataSplit& split,
                                   const EpochCallback& on_epoch) {
  RETURN_IF_ERROR(ValidateTrainConfig(config));
  RETURN_IF_ERROR(CheckSplit(split));
  UseOneBlasThread();
  const Dataset& train = split.train;
  const bool classification = train.is_classification();
  const int64_t n = train.size();

  ASSIGN_OR_RETURN(const Loss loss, ChooseLoss(config.loss, train));
  const int outputs = loss == Loss::kBinaryCrossEntropy ? 1
                      : classification                  ? train.num_classes
                                                        : static_cast<int>(train.targets.rows());
  // No buffer needs more columns than the largest set has examples.
  const int64_t largest = std::max({n, split.validation.size(), split.test.size()});
  const int max_batch = static_cast<int>(std::min<int64_t>(config.batch_size, largest));
  ASSIGN_OR_RETURN(Sequential<float> model, BuildModel(config, train, outputs, max_batch));
  Rng init_rng(config.seed, kInitStream);
  model.Initialize(config.init, init_rng);
  Rng dropout_rng(config.seed, kDropoutStream);

  const AdamW optimizer(config.optimizer);
  AdamWState<float> state = optimizer.MakeState<float>(model.num_parameters());

  Eigen::MatrixXf batch_x(train.features.rows(), max_batch);
  std::vector<int32_t> batch_labels(classification ? max_batch : 0);
  // 0 x max_batch for classification: leftCols(b) below must stay in range.
  Eigen::MatrixXf batch_targets(classification ? 0 : outputs, max_batch);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng shuffle_rng(config.seed, kShuffleStream);
  const int64_t steps_per_epoch = (n + max_batch - 1) / max_batch;
  const int64_t total_steps = steps_per_epoch * config.epochs;
  int64_t global_step = 0;  // t of the schedule
  double lr = config.optimizer.lr;

  TrainSummary summary;
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    const Clock::time_point epoch_start = Clock::now();
    shuffle_rng.Shuffle(order);
    double loss_sum = 0.0;
    int step = 0;
    for (int64_t start = 0; start < n; start += max_batch) {
      ++step;
      const int64_t b = std::min<int64_t>(max_batch, n - start);
      for (int64_t j = 0; j < b; ++j) {
        const int64_t index = order[start + j];
        batch_x.col(j) = train.features.col(index);
        if (classification) {
          batch_labels[j] = train.labels[index];
        } else {
          batch_targets.col(j) = train.targets.col(index);
        }
      }
      const auto x = batch_x.leftCols(b);
      const auto predictions = model.ForwardTrain(x, dropout_rng);
      float* output_gradient = model.output_gradient().data();
      const double batch_loss = BatchLoss(loss, predictions, batch_labels.data(),
                                          batch_targets.leftCols(b), output_gradient);
      if (!std::isfinite(batch_loss)) return NonFinite("loss", epoch, step);
      model.Backward(x);
      // The norm doubles as the finiteness check: it is finite exactly when
      // every gradient entry is.
      float* gradients = model.mutable_gradients().data();
      const double norm = GlobalNorm(gradients, model.num_parameters());
      if (!std::isfinite(norm)) return NonFinite("gradient", epoch, step);
      if (config.max_grad_norm > 0) {
        ClipByGlobalNorm(gradients, model.num_parameters(), norm, config.max_grad_norm);
      }
      lr = ScheduledLr(config.schedule, config.optimizer.lr, global_step, total_steps);
      optimizer.Step(lr, model.parameters().data(), gradients, state);
      ++global_step;
      loss_sum += batch_loss * static_cast<double>(b);
    }
    const double train_seconds = SecondsSince(epoch_start);
    const Evaluation validation = Evaluate(model, loss, split.validation);
    EpochReport report;
    report.epoch = epoch;
    report.train_loss = loss_sum / static_cast<double>(n);
    report.val_loss = validation.loss;
    report.val_accuracy = validation.accuracy;
    report.lr = lr;
    report.seconds = SecondsSince(epoch_start);
    report.samples_per_s = static_cast<double>(n) / train_seconds;
    summary.epochs.push_back(report);
    if (on_epoch && on_epoch(report) == Decision::kStop) {
      summary.stopped_early = epoch < config.epochs;
      break;
    }
  }
  if (split.test.size() > 0) {
    const Evaluation test = Evaluate(model, loss, split.test);
    summary.test_loss = test.loss;
    summary.test_accuracy = test.accuracy;
  }
  summary.parameters.assign(model.parameters().data(),
                            model.parameters().data() + model.num_parameters());
  return summary;
}

}  // namespace hpo::engine
