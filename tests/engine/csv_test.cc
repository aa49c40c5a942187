// CSV datasets: columns by name or index, header or not, classification or
// regression, errors naming file and line; the seeded split and
// standardisation with training statistics.
#include <cmath>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"
#include "worker/engine/csv_reader.h"
#include "worker/engine/data.h"
#include "worker/engine/random.h"
#include "worker/engine/trainer.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Write(const hpo::testing::TempDir& dir, const std::string& name,
                  const std::string& text) {
  const std::string path = dir.File(name);
  std::ofstream(path) << text;
  return path;
}

TEST(CsvReaderTest, HeaderAndLabelByName) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  options.path = Write(dir, "a.csv", "x1, species ,x2\n1.5,cat,2\n-1,dog,0.25\n\n3,cat,1e2\r\n");
  options.label_column = "species";
  std::vector<std::string> classes;
  auto data = ReadCsvDataset(options, &classes);
  ASSERT_OK(data);
  EXPECT_THAT(classes, ElementsAre("cat", "dog"));
  EXPECT_EQ(data->num_classes, 2);
  ASSERT_EQ(data->features.rows(), 2);
  ASSERT_EQ(data->size(), 3);
  EXPECT_EQ(data->features(0, 1), -1.0f);
  EXPECT_EQ(data->features(1, 2), 100.0f);
  EXPECT_THAT(data->labels, ElementsAre(0, 1, 0));
}

TEST(CsvReaderTest, NoHeaderLabelByIndexIntegersSortNumerically) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  options.path = Write(dir, "b.csv", "10,0.5,1\n2,0.25,2\n9,1,3\n");
  options.header = false;
  options.label_column = "0";
  std::vector<std::string> classes;
  auto data = ReadCsvDataset(options, &classes);
  ASSERT_OK(data);
  EXPECT_THAT(classes, ElementsAre("2", "9", "10"));
  EXPECT_THAT(data->labels, ElementsAre(2, 0, 1));
  EXPECT_EQ(data->features(1, 0), 1.0f);
}

TEST(CsvReaderTest, RegressionLastColumnByDefault) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  options.path = Write(dir, "r.csv", "a,b,y\n1,2,0.5\n3,4,-1.5\n");
  options.classification = false;
  std::vector<std::string> classes;
  auto data = ReadCsvDataset(options, &classes);
  ASSERT_OK(data);
  EXPECT_FALSE(data->is_classification());
  EXPECT_EQ(data->targets(0, 1), -1.5f);
  EXPECT_EQ(data->features(1, 1), 4.0f);
  options.label_column = "-3";  // counts from the end: column a
  auto first = ReadCsvDataset(options, &classes);
  ASSERT_OK(first);
  EXPECT_EQ(first->targets(0, 1), 3.0f);
}

TEST(CsvReaderTest, ErrorsNameFileAndLine) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  std::vector<std::string> classes;
  options.path = Write(dir, "bad.csv", "a,b,label\n1,2,x\n1,oops,y\n");
  EXPECT_THAT(
      ReadCsvDataset(options, &classes),
      StatusIs(absl::StatusCode::kInvalidArgument, options.path + ":3: column 2: not a number"));
  options.path = Write(dir, "short.csv", "a,b,label\n1,2,x\n\n1,y\n");
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       options.path + ":4: has 2 columns; expected 3 (as the header)"));
  options.path = Write(dir, "name.csv", "a,b,label\n1,2,x\n");
  options.label_column = "class";
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("name.csv:1: no column named \"class\"")));
  options.label_column = "";
  options.classification = false;
  EXPECT_THAT(
      ReadCsvDataset(options, &classes),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name.csv:2: label: not a number")));
  options.path = dir.File("missing.csv");
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.csv: no such file")));
}

// Errors travel to the coordinator and to whoever reads the study: whatever
// is wrong with a file, they never quote its text (a header name, a cell, a
// label), only the file, line, column and the kind of problem.
TEST(CsvReaderTest, ErrorsNeverQuoteTheFile) {
  hpo::testing::TempDir dir;
  const std::string secret = "s3cr3t-TOKEN";
  const std::vector<std::string> files = {
      "user," + secret + "\n1,2\n",                 // a header name
      "a,b\n1," + secret + "\n",                    // a cell (regression label)
      "a,b,c\n1,2,x\n" + secret + ",2,y\n",         // a feature cell
      "a,b\n1," + secret + "\n2," + secret + "\n",  // one class
      "a,b,c\n1,2\n",                               // columns
      secret + "=" + secret + "\n",                 // one column
  };
  for (bool classification : {true, false}) {
    for (const std::string& text : files) {
      CsvOptions options;
      options.classification = classification;
      options.path = Write(dir, "secret.csv", text);
      std::vector<std::string> classes;
      auto data = ReadCsvDataset(options, &classes);
      if (data.ok()) continue;
      EXPECT_THAT(std::string(data.status().message()), Not(HasSubstr("s3cr3t"))) << text;
    }
  }
  // A test file's unknown label neither.
  CsvOptions options;
  options.path = Write(dir, "test.csv", "a,b\n1," + secret + "\n");
  std::vector<std::string> classes = {"x", "y"};
  auto data = ReadCsvDataset(options, &classes);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()), Not(HasSubstr("s3cr3t")));
}

TEST(CsvReaderTest, RefusesWhatIsNotARegularFileAndMoreThanTheLimit) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  std::vector<std::string> classes;
  options.path = "/dev/zero";
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  options.path = Write(dir, "big.csv", "a,b\n1,x\n2,y\n");
  options.max_bytes = 8;
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than the limit of 8")));
}

// A cell that reads as a number but is not finite would only show up later
// as a non-finite loss, blaming training; the file and line are named instead.
TEST(CsvReaderTest, NonFiniteCellsNameFileAndLine) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  std::vector<std::string> classes;
  for (const std::string cell : {"nan", "inf", "-inf", "1e999", "1e39"}) {
    options.path = Write(dir, "x.csv", "x,y_m,label\n1,2,a\n3," + cell + ",b\n");
    EXPECT_THAT(ReadCsvDataset(options, &classes),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         options.path + ":3: column 2: not a finite number"));
  }
  options.path = Write(dir, "r.csv", "x,y\n1,2\n3,nan\n");
  options.classification = false;
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       options.path + ":3: label: not a finite number"));
}

TEST(CsvReaderTest, TestFileMustShareClasses) {
  hpo::testing::TempDir dir;
  CsvOptions options;
  std::vector<std::string> classes = {"a", "b"};
  options.path = Write(dir, "t.csv", "x,y\n1,a\n2,c\n");
  EXPECT_THAT(ReadCsvDataset(options, &classes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("t.csv:3: the label is not one of the training file's")));
}

// Two Gaussian blobs, label column in the middle, features on very
// different scales.
std::string BlobsCsv(int n, uint64_t seed) {
  Rng rng(seed);
  std::string text = "f1,label,f2\n";
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    const double f1 = 1000 + 200 * (label ? 1 : -1) + 100 * rng.Normal(0, 1);
    const double f2 = 0.001 * (label ? -1 : 1) + 0.001 * rng.Normal(0, 1);
    absl::StrAppend(&text, f1, ",", label ? "yes" : "no", ",", f2, "\n");
  }
  return text;
}

TEST(LoadCsvTest, SeededSplitStandardizedWithTrainStatistics) {
  hpo::testing::TempDir dir;
  DataConfig config;
  config.name = "csv";
  config.path = Write(dir, "train.csv", BlobsCsv(500, 1));
  config.test_path = Write(dir, "test.csv", BlobsCsv(100, 2));
  config.label_column = "label";
  config.scaling = Scaling::kStandardize;
  config.seed = 4;
  auto split = LoadData(config);
  ASSERT_OK(split);
  EXPECT_EQ(split->validation.size(), 100);  // 20% by default
  EXPECT_EQ(split->train.size(), 400);
  EXPECT_EQ(split->test.size(), 100);
  const Eigen::VectorXd mean = split->train.features.cast<double>().rowwise().mean();
  EXPECT_NEAR(mean(0), 0.0, 1e-4);
  EXPECT_NEAR(mean(1), 0.0, 1e-4);
  const double var = split->train.features.row(1).cast<double>().array().square().mean();
  EXPECT_NEAR(var, 1.0, 1e-4);
  // Validation and test are scaled with train's statistics, not their own.
  EXPECT_GT(std::abs(split->test.features.row(0).cast<double>().mean()), 1e-6);

  config.seed = 5;
  auto other = LoadData(config);
  ASSERT_OK(other);
  EXPECT_NE(other->validation.labels, split->validation.labels);

  TrainConfig train;
  train.hidden = {8};
  train.epochs = 20;
  train.batch_size = 32;
  train.optimizer.lr = 1e-2;
  auto summary = Train(train, *split, nullptr);
  ASSERT_OK(summary);
  EXPECT_GT(summary->epochs.back().val_accuracy, 0.9);
  EXPECT_GT(summary->test_accuracy, 0.9);
}

TEST(LoadCsvTest, TooFewRowsNamesTheFile) {
  hpo::testing::TempDir dir;
  DataConfig config;
  config.name = "csv";
  config.path = Write(dir, "tiny.csv", "x,y\n1,a\n2,b\n");
  config.validation_examples = 2;
  EXPECT_THAT(LoadData(config), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("tiny.csv has only 2 examples")));
}

}  // namespace
}  // namespace hpo::engine
