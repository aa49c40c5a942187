#include "worker/engine/data.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/task_settings.h"
#include "worker/engine/csv_reader.h"
#include "worker/engine/idx_reader.h"
#include "worker/engine/name_lookup.h"
#include "worker/engine/random.h"
#include "worker/engine/synthetic.h"

namespace hpo::engine {
namespace {

enum class DatasetKind { kFashionMnist, kSyntheticRegression, kCsv };
constexpr DatasetKind kDatasetByName[] = {DatasetKind::kFashionMnist,
                                          DatasetKind::kSyntheticRegression, DatasetKind::kCsv};
static_assert(kDatasetNames[0] == "fashion-mnist" && kDatasetNames[1] == "synthetic-regression" &&
              kDatasetNames[2] == "csv");
constexpr Scaling kScalingByName[] = {Scaling::kNone, Scaling::kStandardize};
static_assert(std::size(kScalingByName) == kScalingNames.size());

// How a training file of `available` examples splits: the first `validation`
// indexes of `order` (a seeded shuffle) are validation, the next `train` are
// training.
struct SplitPlan {
  int64_t validation;
  int64_t train;
  std::vector<int64_t> order;
};

// Checks the configured counts against `available`; errors name `source`
// (the file, or "the training set").
absl::StatusOr<SplitPlan> PlanSplit(const DataConfig& config, int64_t available,
                                    int64_t default_validation, const std::string& source) {
  SplitPlan plan;
  plan.validation =
      config.validation_examples > 0 ? config.validation_examples : default_validation;
  if (plan.validation >= available) {
    return absl::InvalidArgumentError(absl::StrCat("validation_examples is ", plan.validation,
                                                   " but ", source, " has only ", available,
                                                   " examples (some must remain for training)"));
  }
  plan.train = config.train_examples > 0 ? config.train_examples : available - plan.validation;
  if (plan.train + plan.validation > available) {
    return absl::InvalidArgumentError(
        absl::StrCat("train_examples + validation_examples is ", plan.train, " + ",
                     plan.validation, " but ", source, " has only ", available, " examples"));
  }
  plan.order.resize(available);
  std::iota(plan.order.begin(), plan.order.end(), 0);
  Rng rng(config.seed, /*stream=*/0x5b117);
  rng.Shuffle(plan.order);
  return plan;
}

// Columns `order[begin, begin + count)` of `source`.
Dataset SelectColumns(const Dataset& source, const std::vector<int64_t>& order, int64_t begin,
                      int64_t count) {
  Dataset data;
  data.num_classes = source.num_classes;
  data.features.resize(source.features.rows(), count);
  if (source.is_classification()) data.labels.resize(count);
  if (!source.is_classification()) data.targets.resize(source.targets.rows(), count);
  for (int64_t j = 0; j < count; ++j) {
    const int64_t index = order[begin + j];
    data.features.col(j) = source.features.col(index);
    if (source.is_classification()) {
      data.labels[j] = source.labels[index];
    } else {
      data.targets.col(j) = source.targets.col(index);
    }
  }
  return data;
}

absl::StatusOr<DataSplit> LoadCsv(const DataConfig& config) {
  CsvOptions options;
  options.path = config.path;
  options.label_column = config.label_column;
  options.header = config.header;
  options.classification = config.classification;
  options.max_bytes = config.max_bytes;
  std::vector<std::string> classes;
  ASSIGN_OR_RETURN(Dataset all, ReadCsvDataset(options, &classes));
  const int64_t available = all.size();
  ASSIGN_OR_RETURN(
      SplitPlan plan,
      PlanSplit(config, available,
                std::max<int64_t>(1, static_cast<int64_t>(available * kCsvDefaultValidationFraction)),
                config.path));
  DataSplit split;
  split.validation = SelectColumns(all, plan.order, 0, plan.validation);
  split.train = SelectColumns(all, plan.order, plan.validation, plan.train);
  if (!config.test_path.empty()) {
    options.path = config.test_path;
    ASSIGN_OR_RETURN(split.test, ReadCsvDataset(options, &classes));
    if (split.test.features.rows() != all.features.rows()) {
      return absl::InvalidArgumentError(absl::StrCat(config.test_path, " has ",
                                                     split.test.features.rows(), " features but ",
                                                     config.path, " has ", all.features.rows()));
    }
  }
  return split;
}

struct LabelledImages {
  IdxArray images;
  std::vector<int32_t> labels;
};

std::string ImagesFile(const std::string& dir, const std::string& prefix) {
  return absl::StrCat(dir, "/", prefix, "-images-idx3-ubyte.gz");
}

std::string LabelsFile(const std::string& dir, const std::string& prefix) {
  return absl::StrCat(dir, "/", prefix, "-labels-idx1-ubyte.gz");
}

absl::StatusOr<LabelledImages> ReadLabelledImages(const std::string& dir, const std::string& prefix,
                                                  int64_t max_bytes) {
  const std::string images_path = ImagesFile(dir, prefix);
  const std::string labels_path = LabelsFile(dir, prefix);
  LabelledImages result;
  ASSIGN_OR_RETURN(result.images, ReadIdxFile(images_path, 3, max_bytes));
  ASSIGN_OR_RETURN(result.labels, ReadIdxLabels(labels_path, kFashionMnistClasses, max_bytes));
  if (static_cast<int64_t>(result.labels.size()) != result.images.dims[0]) {
    return absl::DataLossError(absl::StrCat(labels_path, " has ", result.labels.size(),
                                            " labels but ", images_path, " has ",
                                            result.images.dims[0], " images"));
  }
  return result;
}

Dataset Select(const LabelledImages& source, const std::vector<int64_t>& order, int64_t begin,
               int64_t count) {
  Dataset data;
  data.num_classes = kFashionMnistClasses;
  data.features.resize(source.images.dims[1] * source.images.dims[2], count);
  data.labels.resize(count);
  for (int64_t j = 0; j < count; ++j) {
    const int64_t index = order[begin + j];
    ImageToFloats(source.images, index, data.features.col(j).data());
    data.labels[j] = source.labels[index];
  }
  return data;
}

absl::StatusOr<DataSplit> LoadFashionMnist(const DataConfig& config) {
  const std::string dir = config.path.empty() ? std::string(kFashionMnistDefaultPath) : config.path;
  ASSIGN_OR_RETURN(LabelledImages train, ReadLabelledImages(dir, "train", config.max_bytes));
  ASSIGN_OR_RETURN(SplitPlan plan, PlanSplit(config, train.images.dims[0],
                                              kFashionMnistDefaultValidation, "the training set"));

  ASSIGN_OR_RETURN(LabelledImages test, ReadLabelledImages(dir, "t10k", config.max_bytes));
  if (test.images.dims[1] != train.images.dims[1] || test.images.dims[2] != train.images.dims[2]) {
    return absl::DataLossError(absl::StrCat(dir, ": t10k images are ", test.images.dims[1], "x",
                                            test.images.dims[2], " but train images are ",
                                            train.images.dims[1], "x", train.images.dims[2]));
  }
  std::vector<int64_t> identity(test.images.dims[0]);
  std::iota(identity.begin(), identity.end(), 0);

  DataSplit split;
  split.validation = Select(train, plan.order, 0, plan.validation);
  split.train = Select(train, plan.order, plan.validation, plan.train);
  split.test = Select(test, identity, 0, test.images.dims[0]);
  return split;
}

}  // namespace

absl::StatusOr<DataSplit> LoadData(const DataConfig& config) {
  if (config.train_examples < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("train_examples is ", config.train_examples, "; must be >= 0"));
  }
  if (config.validation_examples < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("validation_examples is ", config.validation_examples, "; must be >= 0"));
  }
  ASSIGN_OR_RETURN(const DatasetKind kind,
                   LookupName("dataset name", config.name, kDatasetNames, kDatasetByName));
  DataSplit split;
  switch (kind) {
    case DatasetKind::kFashionMnist: {
      ASSIGN_OR_RETURN(split, LoadFashionMnist(config));
      break;
    }
    case DatasetKind::kSyntheticRegression:
      split = MakeSyntheticRegressionSplit(
          config.train_examples > 0 ? config.train_examples : kSyntheticDefaultTrain,
          config.validation_examples > 0 ? config.validation_examples : kSyntheticDefaultValidation,
          config.seed);
      break;
    case DatasetKind::kCsv: {
      ASSIGN_OR_RETURN(split, LoadCsv(config));
      break;
    }
  }
  if (config.scaling == Scaling::kStandardize) Standardize(split);
  return split;
}

std::vector<std::string> FashionMnistFiles(const std::string& dir) {
  return {ImagesFile(dir, "train"), LabelsFile(dir, "train"), ImagesFile(dir, "t10k"),
          LabelsFile(dir, "t10k")};
}

absl::StatusOr<Scaling> ParseScaling(std::string_view name) {
  return LookupName("scaling", name, kScalingNames, kScalingByName);
}

void Standardize(DataSplit& split) {
  const Eigen::MatrixXf& x = split.train.features;
  if (x.cols() == 0) return;
  // Statistics in double: a float sum over 60k pixels loses digits.
  const Eigen::VectorXd mean = x.cast<double>().rowwise().mean();
  const Eigen::VectorXd variance =
      (x.cast<double>().colwise() - mean).array().square().rowwise().mean();
  Eigen::VectorXf scale(mean.size());
  for (Eigen::Index i = 0; i < mean.size(); ++i) {
    const double sd = std::sqrt(variance(i));
    scale(i) = sd > 0 ? static_cast<float>(1.0 / sd) : 1.0f;
  }
  const Eigen::VectorXf shift = mean.cast<float>();
  for (Dataset* part : {&split.train, &split.validation, &split.test}) {
    if (part->size() == 0) continue;
    part->features =
        ((part->features.colwise() - shift).array().colwise() * scale.array()).matrix();
  }
}

}  // namespace hpo::engine
