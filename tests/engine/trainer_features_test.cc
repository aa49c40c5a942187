// The trainer's optional features: losses, schedules, clipping, dropout.
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/mlp_model.h"
#include "tests/status_matchers.h"
#include "worker/engine/losses.h"
#include "worker/engine/random.h"
#include "worker/engine/synthetic.h"
#include "worker/engine/trainer.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::HasSubstr;

// Two separable blobs in 2-D; labels 0/1.
DataSplit Blobs(int n, uint64_t seed) {
  Rng rng(seed);
  auto make = [&rng](int count) {
    Dataset d;
    d.num_classes = 2;
    d.features.resize(2, count);
    for (int j = 0; j < count; ++j) {
      const int label = j % 2;
      d.labels.push_back(label);
      d.features(0, j) = static_cast<float>((label ? 1.5 : -1.5) + rng.Normal(0, 0.5));
      d.features(1, j) = static_cast<float>(rng.Normal(0, 1));
    }
    return d;
  };
  DataSplit split;
  split.train = make(n);
  split.validation = make(n / 4);
  split.test = make(n / 4);
  return split;
}

// Replays Train's step by hand for a full-batch linear regression, so that
// the order backward, clip, AdamW step with the scheduled lr, schedule step
// is pinned down: clipping changes the gradient's scale from step to step,
// which Adam's moments see.
TEST(TrainerFeaturesTest, ClipThenStepWithScheduledLr) {
  const DataSplit split = MakeSyntheticRegressionSplit(16, 4, 9);
  TrainConfig config;
  config.epochs = 3;
  config.batch_size = 16;  // one step per epoch, no shuffling effect
  config.init = Init::kXavierUniform;
  config.max_grad_norm = 0.5;
  config.schedule.type = ScheduleType::kStep;
  config.schedule.step_size = 1;
  config.schedule.gamma = 0.5;
  config.optimizer.lr = 0.1;
  config.seed = 2;
  auto summary = Train(config, split, nullptr);
  ASSERT_OK(summary);
  EXPECT_DOUBLE_EQ(summary->epochs[2].lr, 0.025);

  Sequential<float> mlp = MakeMlp<float>({1, 1}, Activation::kRelu, 16);
  Rng init_rng(config.seed, /*stream=*/1);
  mlp.Initialize(config.init, init_rng);
  const AdamW adamw(config.optimizer);
  auto state = adamw.MakeState<float>(mlp.num_parameters());
  bool clipped = false;
  for (int t = 0; t < 3; ++t) {
    // A full batch in any order: the sum over examples does not depend on
    // it up to rounding, so compare with a tolerance.
    Rng no_dropout(0);
    const auto out = mlp.ForwardTrain(split.train.features, no_dropout);
    MeanSquaredError<float>(out, split.train.targets, mlp.output_gradient().data());
    mlp.Backward(split.train.features);
    float* g = mlp.mutable_gradients().data();
    const double norm = GlobalNorm(g, mlp.num_parameters());
    clipped |= ClipByGlobalNorm(g, mlp.num_parameters(), norm, config.max_grad_norm) < 1;
    adamw.Step(0.1 * std::pow(0.5, t), mlp.parameters().data(), g, state);
  }
  EXPECT_TRUE(clipped);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(summary->parameters[i], mlp.parameters()(i), 1e-5) << i;
  }
}

TEST(TrainerFeaturesTest, ClippingChangesTheRun) {
  const DataSplit split = MakeSyntheticRegressionSplit(64, 16, 9);
  TrainConfig config;
  config.epochs = 2;
  config.batch_size = 16;
  config.optimizer.lr = 0.05;
  auto plain = Train(config, split, nullptr);
  config.max_grad_norm = 0.01;
  auto clipped = Train(config, split, nullptr);
  ASSERT_OK(plain);
  ASSERT_OK(clipped);
  EXPECT_NE(plain->parameters, clipped->parameters);
}

TEST(TrainerFeaturesTest, WarmupCosineReportsTheScheduledLr) {
  const DataSplit split = MakeSyntheticRegressionSplit(40, 8, 1);
  TrainConfig config;
  config.epochs = 4;
  config.batch_size = 10;  // 4 steps per epoch, T = 16
  config.schedule.type = ScheduleType::kWarmupCosine;
  config.schedule.warmup_steps = 4;
  config.optimizer.lr = 0.1;
  std::vector<double> lrs;
  auto summary = Train(config, split, [&lrs](const EpochReport& r) {
    lrs.push_back(r.lr);
    return Decision::kContinue;
  });
  ASSERT_OK(summary);
  // Last steps of the epochs: t = 3 (warmup), 7, 11, 15 (cosine over 12).
  const double pi = 3.14159265358979323846;
  EXPECT_DOUBLE_EQ(lrs[0], 0.075);
  EXPECT_NEAR(lrs[1], 0.05 * (1 + std::cos(pi * 3 / 12)), 1e-12);
  EXPECT_NEAR(lrs[3], 0.05 * (1 + std::cos(pi * 11 / 12)), 1e-12);
}

TEST(TrainerFeaturesTest, BinaryCrossEntropyLearnsBlobs) {
  TrainConfig config;
  config.loss = Loss::kBinaryCrossEntropy;
  config.hidden = {8};
  config.epochs = 10;
  config.batch_size = 16;
  config.optimizer.lr = 0.01;
  auto summary = Train(config, Blobs(400, 3), nullptr);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->parameters.size(), 2u * 8 + 8 + 8 + 1);  // one output
  EXPECT_GT(summary->epochs.back().val_accuracy, 0.95);
  EXPECT_GT(summary->test_accuracy, 0.95);
}

TEST(TrainerFeaturesTest, DropoutIsSeededAndStillLearns) {
  TrainConfig config;
  config.hidden = {32, 32};
  config.dropout = 0.3;
  config.epochs = 10;
  config.batch_size = 16;
  config.optimizer.lr = 0.01;
  const DataSplit split = Blobs(400, 4);
  auto a = Train(config, split, nullptr);
  auto b = Train(config, split, nullptr);
  config.dropout = 0;
  auto c = Train(config, split, nullptr);
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(c);
  EXPECT_EQ(a->parameters, b->parameters);
  EXPECT_NE(a->parameters, c->parameters);
  EXPECT_GT(a->epochs.back().val_accuracy, 0.95);
}

TEST(TrainerFeaturesTest, LossMustFitTheData) {
  TrainConfig config;
  config.loss = Loss::kMse;
  EXPECT_THAT(
      Train(config, Blobs(40, 1), nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loss mse needs a regression")));
  config.loss = Loss::kBinaryCrossEntropy;
  EXPECT_THAT(Train(config, MakeSyntheticRegressionSplit(10, 5, 1), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a classification")));
  DataSplit three = Blobs(40, 1);
  three.train.num_classes = three.validation.num_classes = three.test.num_classes = 3;
  EXPECT_THAT(Train(config, three, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs two classes")));
}

TEST(TrainerFeaturesTest, ValidationNamesNewFields) {
  const DataSplit split = MakeSyntheticRegressionSplit(10, 5, 1);
  TrainConfig config;
  config.dropout = 1.0;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dropout is 1")));
  config = TrainConfig();
  config.max_grad_norm = -1;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_grad_norm is -1")));
  config = TrainConfig();
  config.schedule.warmup_steps = -2;
  EXPECT_THAT(Train(config, split, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule.warmup_steps")));
}

}  // namespace
}  // namespace hpo::engine
