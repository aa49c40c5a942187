#include "worker/engine/data.h"

#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/task_settings.h"
#include "worker/engine/idx_reader.h"
#include "worker/engine/name_lookup.h"
#include "worker/engine/random.h"
#include "worker/engine/synthetic.h"

namespace hpo::engine {
namespace {

enum class DatasetKind { kFashionMnist, kSyntheticRegression };
constexpr DatasetKind kDatasetByName[] = {DatasetKind::kFashionMnist,
                                          DatasetKind::kSyntheticRegression};
static_assert(kDatasetNames[0] == "fashion-mnist" && kDatasetNames[1] == "synthetic-regression");

struct LabelledImages {
  IdxArray images;
  std::vector<int32_t> labels;
};

absl::StatusOr<LabelledImages> ReadLabelledImages(const std::string& dir,
                                                  const std::string& prefix) {
  const std::string images_path = absl::StrCat(dir, "/", prefix, "-images-idx3-ubyte.gz");
  const std::string labels_path = absl::StrCat(dir, "/", prefix, "-labels-idx1-ubyte.gz");
  LabelledImages result;
  ASSIGN_OR_RETURN(result.images, ReadIdxFile(images_path, 3));
  ASSIGN_OR_RETURN(result.labels, ReadIdxLabels(labels_path, kFashionMnistClasses));
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
  ASSIGN_OR_RETURN(LabelledImages train, ReadLabelledImages(dir, "train"));
  const int64_t available = train.images.dims[0];
  const int64_t validation =
      config.validation_examples > 0 ? config.validation_examples : kFashionMnistDefaultValidation;
  if (validation >= available) {
    return absl::InvalidArgumentError(absl::StrCat("validation_examples is ", validation,
                                                   " but the training set has only ", available,
                                                   " examples (some must remain for training)"));
  }
  const int64_t train_count =
      config.train_examples > 0 ? config.train_examples : available - validation;
  if (train_count + validation > available) {
    return absl::InvalidArgumentError(
        absl::StrCat("train_examples + validation_examples is ", train_count, " + ", validation,
                     " but the training set has only ", available, " examples"));
  }
  std::vector<int64_t> order(available);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(config.seed, /*stream=*/0x5b117);
  rng.Shuffle(order);

  ASSIGN_OR_RETURN(LabelledImages test, ReadLabelledImages(dir, "t10k"));
  if (test.images.dims[1] != train.images.dims[1] || test.images.dims[2] != train.images.dims[2]) {
    return absl::DataLossError(absl::StrCat(dir, ": t10k images are ", test.images.dims[1], "x",
                                            test.images.dims[2], " but train images are ",
                                            train.images.dims[1], "x", train.images.dims[2]));
  }
  std::vector<int64_t> identity(test.images.dims[0]);
  std::iota(identity.begin(), identity.end(), 0);

  DataSplit split;
  split.validation = Select(train, order, 0, validation);
  split.train = Select(train, order, validation, train_count);
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
  switch (kind) {
    case DatasetKind::kFashionMnist:
      return LoadFashionMnist(config);
    case DatasetKind::kSyntheticRegression:
      return MakeSyntheticRegressionSplit(
          config.train_examples > 0 ? config.train_examples : kSyntheticDefaultTrain,
          config.validation_examples > 0 ? config.validation_examples : kSyntheticDefaultValidation,
          config.seed);
  }
  return absl::InternalError("unhandled dataset kind");
}

}  // namespace hpo::engine
