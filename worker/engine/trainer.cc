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
#include "common/status_macros.h"
#include "worker/engine/losses.h"
#include "worker/engine/mlp.h"
#include "worker/engine/random.h"

namespace hpo::engine {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Rng streams: initialisation does not depend on the number of shuffles.
constexpr uint64_t kInitStream = 1;
constexpr uint64_t kShuffleStream = 2;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// x - x is 0 for every finite x and NaN for NaN and +-inf, so the sum is 0
// exactly when all entries are finite; Eigen vectorises the reduction and,
// unlike a plain sum, it cannot overflow.
bool AllFinite(const Eigen::VectorXf& values) {
  return (values.array() - values.array()).sum() == 0.0f;
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

// Batches of mlp.max_batch() columns, read in place from `data`.
Evaluation Evaluate(Mlp<float>& mlp, const Dataset& data) {
  const int64_t n = data.size();
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += mlp.max_batch()) {
    const int64_t b = std::min<int64_t>(mlp.max_batch(), n - start);
    const auto outputs = mlp.Forward(data.features.middleCols(start, b));
    if (data.is_classification()) {
      const int32_t* labels = data.labels.data() + start;
      loss_sum += SoftmaxCrossEntropy<float>(outputs, labels, nullptr) * b;
      correct += CountCorrect<float>(outputs, labels);
    } else {
      loss_sum += MeanSquaredError<float>(outputs, data.targets.middleCols(start, b), nullptr) * b;
    }
  }
  return {loss_sum / n, data.is_classification() ? static_cast<double>(correct) / n : kNaN};
}

absl::Status NonFinite(absl::string_view what, int epoch, int step) {
  return absl::InvalidArgumentError(
      absl::StrCat("non-finite ", what, " at epoch ", epoch, ", step ", step));
}

}  // namespace

absl::Status ValidateTrainConfig(const TrainConfig& config) {
  if (config.epochs < 1) {
    return absl::InvalidArgumentError(absl::StrCat("epochs is ", config.epochs, "; must be >= 1"));
  }
  if (config.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size is ", config.batch_size, "; must be >= 1"));
  }
  for (size_t i = 0; i < config.hidden.size(); ++i) {
    if (config.hidden[i] < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("hidden[", i, "] is ", config.hidden[i], "; must be >= 1"));
    }
  }
  return ValidateAdamWOptions(config.optimizer);
}

absl::StatusOr<TrainSummary> Train(const TrainConfig& config, const DataSplit& split,
                                   const EpochCallback& on_epoch) {
  RETURN_IF_ERROR(ValidateTrainConfig(config));
  RETURN_IF_ERROR(CheckSplit(split));
  const Dataset& train = split.train;
  const bool classification = train.is_classification();
  const int64_t n = train.size();

  std::vector<int> widths;
  widths.push_back(static_cast<int>(train.features.rows()));
  widths.insert(widths.end(), config.hidden.begin(), config.hidden.end());
  const int outputs = classification ? train.num_classes : static_cast<int>(train.targets.rows());
  widths.push_back(outputs);
  // No buffer needs more columns than the largest set has examples.
  const int64_t largest = std::max({n, split.validation.size(), split.test.size()});
  const int max_batch = static_cast<int>(std::min<int64_t>(config.batch_size, largest));
  ASSIGN_OR_RETURN(Mlp<float> mlp, Mlp<float>::Create(widths, config.activation, max_batch));
  Rng init_rng(config.seed, kInitStream);
  mlp.Initialize(config.init, init_rng);

  const AdamW optimizer(config.optimizer);
  AdamWState<float> state = optimizer.MakeState<float>(mlp.num_parameters());

  Eigen::MatrixXf batch_x(train.features.rows(), max_batch);
  std::vector<int32_t> batch_labels(classification ? max_batch : 0);
  Eigen::MatrixXf batch_targets(classification ? 0 : outputs, classification ? 0 : max_batch);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng shuffle_rng(config.seed, kShuffleStream);

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
      const auto predictions = mlp.Forward(x);
      float* output_gradient = mlp.output_gradient().data();
      const double loss =
          classification
              ? SoftmaxCrossEntropy<float>(predictions, batch_labels.data(), output_gradient)
              : MeanSquaredError<float>(predictions, batch_targets.leftCols(b), output_gradient);
      if (!std::isfinite(loss)) return NonFinite("loss", epoch, step);
      mlp.Backward(x);
      if (!AllFinite(mlp.gradients())) return NonFinite("gradient", epoch, step);
      optimizer.Step(mlp.parameters().data(), mlp.gradients().data(), state);
      loss_sum += loss * static_cast<double>(b);
    }
    const double train_seconds = SecondsSince(epoch_start);
    const Evaluation validation = Evaluate(mlp, split.validation);
    EpochReport report;
    report.epoch = epoch;
    report.train_loss = loss_sum / static_cast<double>(n);
    report.val_loss = validation.loss;
    report.val_accuracy = validation.accuracy;
    report.seconds = SecondsSince(epoch_start);
    report.samples_per_s = static_cast<double>(n) / train_seconds;
    summary.epochs.push_back(report);
    if (on_epoch && on_epoch(report) == Decision::kStop) {
      summary.stopped_early = epoch < config.epochs;
      break;
    }
  }
  if (split.test.size() > 0) {
    const Evaluation test = Evaluate(mlp, split.test);
    summary.test_loss = test.loss;
    summary.test_accuracy = test.accuracy;
  }
  summary.parameters.assign(mlp.parameters().data(),
                            mlp.parameters().data() + mlp.num_parameters());
  return summary;
}

}  // namespace hpo::engine
