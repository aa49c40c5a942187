#include "worker/engine/data.h"

#include <algorithm>
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "worker/engine/synthetic.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(LoadDataTest, FashionMnistSplitSizes) {
  DataConfig config;
  config.name = "fashion-mnist";
  config.train_examples = 3000;
  config.validation_examples = 1000;
  config.seed = 5;
  auto split = LoadData(config);
  ASSERT_OK(split);
  EXPECT_EQ(split->train.size(), 3000);
  EXPECT_EQ(split->validation.size(), 1000);
  EXPECT_EQ(split->test.size(), 10000);
  for (const Dataset* d : {&split->train, &split->validation, &split->test}) {
    EXPECT_EQ(d->features.rows(), 784);
    EXPECT_EQ(d->num_classes, 10);
    EXPECT_EQ(static_cast<int64_t>(d->labels.size()), d->size());
    EXPECT_EQ(d->targets.size(), 0);
    EXPECT_GE(d->features.minCoeff(), 0.0f);
    EXPECT_LE(d->features.maxCoeff(), 1.0f);
    EXPECT_GE(*std::min_element(d->labels.begin(), d->labels.end()), 0);
    EXPECT_LE(*std::max_element(d->labels.begin(), d->labels.end()), 9);
  }
  // No training image reappears in validation (exact pixel equality).
  for (int64_t v = 0; v < 50; ++v) {
    for (int64_t t = 0; t < split->train.size(); ++t) {
      ASSERT_FALSE(split->validation.features.col(v) == split->train.features.col(t))
          << "validation " << v << " equals train " << t;
    }
  }
}

TEST(LoadDataTest, FashionMnistDefaultsUseEverything) {
  DataConfig config;
  config.name = "fashion-mnist";
  auto split = LoadData(config);
  ASSERT_OK(split);
  EXPECT_EQ(split->validation.size(), kFashionMnistDefaultValidation);
  EXPECT_EQ(split->train.size(), 60000 - kFashionMnistDefaultValidation);
  EXPECT_EQ(split->test.size(), 10000);
}

TEST(LoadDataTest, SplitIsSeeded) {
  DataConfig config;
  config.name = "fashion-mnist";
  config.train_examples = 100;
  config.validation_examples = 100;
  config.seed = 1;
  auto a = LoadData(config);
  auto b = LoadData(config);
  config.seed = 2;
  auto c = LoadData(config);
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(c);
  EXPECT_EQ(a->validation.features, b->validation.features);
  EXPECT_EQ(a->train.labels, b->train.labels);
  EXPECT_NE(a->validation.features, c->validation.features);
}

TEST(LoadDataTest, TooManyExamplesNamesTheFields) {
  DataConfig config;
  config.name = "fashion-mnist";
  config.train_examples = 55000;
  config.validation_examples = 10000;
  EXPECT_THAT(LoadData(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("train_examples"), HasSubstr("validation_examples"))));
  config.train_examples = 0;
  config.validation_examples = 60000;
  EXPECT_THAT(LoadData(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("validation_examples")));
  config.validation_examples = -1;
  EXPECT_THAT(LoadData(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("validation_examples")));
}

TEST(LoadDataTest, BadNameAndMissingDirectory) {
  DataConfig config;
  config.name = "mnist";
  EXPECT_THAT(LoadData(config), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mnist")));
  config.name = "fashion-mnist";
  config.path = "/nonexistent/fmnist";
  EXPECT_THAT(LoadData(config),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/fmnist/train-images-idx3-ubyte.gz")));
}

TEST(SyntheticTest, DefaultsAndShape) {
  DataConfig config;
  config.name = "synthetic-regression";
  config.seed = 9;
  auto split = LoadData(config);
  ASSERT_OK(split);
  EXPECT_EQ(split->train.size(), 1000);
  EXPECT_EQ(split->validation.size(), 200);
  EXPECT_EQ(split->test.size(), 0);
  EXPECT_EQ(split->train.num_classes, 0);
  EXPECT_EQ(split->train.features.rows(), 1);
  EXPECT_EQ(split->train.targets.rows(), 1);
  EXPECT_GE(split->train.features.minCoeff(), -1.0f);
  EXPECT_LT(split->train.features.maxCoeff(), 1.0f);
  // Residuals of the true line: mean ~0, stddev ~0.1.
  const Eigen::ArrayXf residual =
      (split->train.targets.array() - (3.0f * split->train.features.array() + 2.0f)).transpose();
  EXPECT_NEAR(residual.mean(), 0.0, 0.015);
  EXPECT_NEAR(std::sqrt((residual - residual.mean()).square().mean()), 0.1, 0.01);
}

TEST(SyntheticTest, SeededAndSized) {
  const DataSplit a = MakeSyntheticRegressionSplit(30, 10, 4);
  const DataSplit b = MakeSyntheticRegressionSplit(30, 10, 4);
  const DataSplit c = MakeSyntheticRegressionSplit(30, 10, 5);
  EXPECT_EQ(a.train.features, b.train.features);
  EXPECT_EQ(a.validation.targets, b.validation.targets);
  EXPECT_NE(a.train.features, c.train.features);
  EXPECT_EQ(a.validation.size(), 10);
}

}  // namespace
}  // namespace hpo::engine
