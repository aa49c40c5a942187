#include "worker/engine/trainer.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "worker/engine/data.h"
#include "worker/engine/synthetic.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

// 10k train / 2k validation, loaded once per process.
const DataSplit& SmallFashion() {
  static const DataSplit* split = [] {
    DataConfig config;
    config.name = "fashion-mnist";
    config.train_examples = 10000;
    config.validation_examples = 2000;
    config.seed = 1;
    auto loaded = LoadData(config);
    EXPECT_OK(loaded);
    return new DataSplit(std::move(loaded).value());
  }();
  return *split;
}

TrainConfig SmallMlp() {
  TrainConfig config;
  config.hidden = {128};
  config.epochs = 2;
  config.batch_size = 128;
  config.seed = 3;
  return config;
}

TEST(TrainerTest, FashionMnistReachesEightyPercent) {
  int calls = 0;
  auto summary = Train(SmallMlp(), SmallFashion(), [&calls](const EpochReport& report) {
    ++calls;
    EXPECT_EQ(report.epoch, calls);
    return Decision::kContinue;
  });
  ASSERT_OK(summary);
  ASSERT_EQ(summary->epochs.size(), 2u);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(summary->stopped_early);
  const EpochReport& last = summary->epochs.back();
  EXPECT_GT(last.val_accuracy, 0.80);
  EXPECT_LT(last.val_loss, summary->epochs.front().val_loss + 0.05);
  EXPECT_LT(summary->epochs[1].train_loss, summary->epochs[0].train_loss);
  EXPECT_GT(last.samples_per_s, 0.0);
  EXPECT_GT(last.seconds, 0.0);
  EXPECT_GT(summary->test_accuracy, 0.78);
  EXPECT_EQ(summary->parameters.size(), 784u * 128 + 128 + 128 * 10 + 10);
}

TEST(TrainerTest, SameSeedSameLossesOtherSeedDifferent) {
  TrainConfig config = SmallMlp();
  config.hidden = {32};
  config.epochs = 1;
  config.activation = Activation::kTanh;
  auto a = Train(config, SmallFashion(), nullptr);
  auto b = Train(config, SmallFashion(), nullptr);
  config.seed = 4;
  auto c = Train(config, SmallFashion(), nullptr);
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(c);
  EXPECT_EQ(a->epochs[0].train_loss, b->epochs[0].train_loss);
  EXPECT_EQ(a->epochs[0].val_loss, b->epochs[0].val_loss);
  EXPECT_EQ(a->parameters, b->parameters);
  EXPECT_NE(a->epochs[0].train_loss, c->epochs[0].train_loss);
}

// Two threads train the same model as one, up to float rounding in sums the
// threads split, and the same bits on every run.
TEST(TrainerTest, TwoThreadsTrainWhatOneDoes) {
  TrainConfig config = SmallMlp();
  config.hidden = {64};
  config.epochs = 1;
  config.dropout = 0.1;
  auto one = Train(config, SmallFashion(), nullptr);
  config.threads = 2;
  auto two = Train(config, SmallFashion(), nullptr);
  auto again = Train(config, SmallFashion(), nullptr);
  ASSERT_OK(one);
  ASSERT_OK(two);
  ASSERT_OK(again);
  EXPECT_NEAR(two->epochs[0].val_loss, one->epochs[0].val_loss, 1e-4);
  EXPECT_NEAR(two->epochs[0].train_loss, one->epochs[0].train_loss, 1e-4);
  EXPECT_EQ(two->parameters, again->parameters);
}

TEST(TrainerTest, HugeLearningRateIsNonFiniteLoss) {
  // AdamW's step is bounded by about lr per parameter, so lr = 10 diverges
  // (loss ~1e4) yet stays finite in float32; lr = 1e4 overflows the logits
  // within the first epoch.
  TrainConfig config = SmallMlp();
  config.optimizer.lr = 1e4;
  auto summary = Train(config, SmallFashion(), nullptr);
  EXPECT_THAT(summary, StatusIs(absl::StatusCode::kInvalidArgument,
                                MatchesRegex("non-finite loss at epoch 1, step [0-9]+")));
}

TEST(TrainerTest, OverflowingGradientWithFiniteLoss) {
  // Targets near FLT_MAX: the loss (accumulated in double) is finite, but the
  // bias gradient, a sum of 16 terms of about -FLT_MAX / 8, overflows.
  DataSplit split = MakeSyntheticRegressionSplit(64, 16, 1);
  split.train.targets.setConstant(3e38f);
  TrainConfig config;
  config.batch_size = 16;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("non-finite gradient at epoch 1, step 1")));
}

TEST(TrainerTest, NanFeatureIsNonFiniteLossAtFirstStep) {
  DataSplit split = MakeSyntheticRegressionSplit(64, 16, 1);
  split.train.features.setConstant(NAN);
  TrainConfig config;
  config.batch_size = 16;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("non-finite loss at epoch 1, step 1")));
}

TEST(TrainerTest, StopAfterTheEpochThatSaysSo) {
  TrainConfig config = SmallMlp();
  config.hidden = {16};
  config.epochs = 5;
  auto summary = Train(config, SmallFashion(), [](const EpochReport& report) {
    return report.epoch == 2 ? Decision::kStop : Decision::kContinue;
  });
  ASSERT_OK(summary);
  EXPECT_EQ(summary->epochs.size(), 2u);
  EXPECT_TRUE(summary->stopped_early);
}

TEST(TrainerTest, LinearRegressionLearnsSlopeAndIntercept) {
  const DataSplit split = MakeSyntheticRegressionSplit(1000, 200, 11);
  TrainConfig config;
  config.hidden = {};
  config.epochs = 30;
  config.batch_size = 32;
  config.optimizer.lr = 0.05;
  config.optimizer.weight_decay = 0.0;
  auto summary = Train(config, split, nullptr);
  ASSERT_OK(summary);
  ASSERT_EQ(summary->parameters.size(), 2u);
  EXPECT_NEAR(summary->parameters[0], kSyntheticSlope, 0.05);
  EXPECT_NEAR(summary->parameters[1], kSyntheticIntercept, 0.05);
  // MSE close to the noise variance 0.01.
  EXPECT_NEAR(summary->epochs.back().val_loss, 0.01, 0.004);
  EXPECT_TRUE(std::isnan(summary->epochs.back().val_accuracy));
  EXPECT_TRUE(std::isnan(summary->test_accuracy));
}

TEST(TrainerTest, InvalidConfigNamesTheField) {
  const DataSplit split = MakeSyntheticRegressionSplit(10, 5, 1);
  TrainConfig config;
  config.batch_size = 0;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch_size")));
  config = TrainConfig{};
  config.epochs = 0;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("epochs")));
  config = TrainConfig{};
  config.hidden = {8, -1};
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hidden[1]")));
  config = TrainConfig{};
  config.threads = 0;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threads is 0")));
  config = TrainConfig{};
  config.optimizer.lr = -1e-3;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("optimizer.lr")));
}

TEST(TrainerTest, InconsistentSplitNamesThePart) {
  DataSplit split = MakeSyntheticRegressionSplit(10, 5, 1);
  split.validation = Dataset{};
  EXPECT_THAT(Train(TrainConfig{}, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("split.validation")));
  DataSplit labelled = MakeSyntheticRegressionSplit(10, 5, 1);
  labelled.train.num_classes = 3;
  labelled.train.labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 7};
  EXPECT_THAT(Train(TrainConfig{}, labelled, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("split.train.labels[9]")));
}

// The validator bounds a model with the data's shape unknown (a csv file's
// columns); the trainer checks again with the real shape before it allocates.
TEST(TrainerTest, AModelTooLargeForTheDataIsOutOfMemoryBeforeAllocating) {
  DataSplit split = MakeSyntheticRegressionSplit(4, 2, 1);
  for (Dataset* part : {&split.train, &split.validation}) {
    part->features = Eigen::MatrixXf::Zero(20000, part->features.cols());  // 20k columns
  }
  TrainConfig config;
  config.hidden = {5000};  // 100 million parameters with 20k inputs
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("out of memory: the model has 100010001 parameters with this "
                                 "data's 20000 features (at most 50000000)")));
  config.hidden = {64};
  config.batch_size = 4;
  EXPECT_OK(Train(config, split, nullptr));
}

TEST(TrainerTest, LastBatchMayBeSmaller) {
  // 100 examples in batches of 64: steps of 64 and 36.
  const DataSplit split = MakeSyntheticRegressionSplit(100, 20, 2);
  TrainConfig config;
  config.hidden = {4};
  config.activation = Activation::kGelu;
  config.batch_size = 64;
  config.epochs = 2;
  auto summary = Train(config, split, nullptr);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->epochs.size(), 2u);
  EXPECT_TRUE(std::isfinite(summary->epochs.back().val_loss));
}

}  // namespace
}  // namespace hpo::engine
