// Loads a named dataset and splits it into train / validation / test.
//
// Free function; thread-safe (each call reads its own files).
#ifndef HPO_WORKER_ENGINE_DATA_H_
#define HPO_WORKER_ENGINE_DATA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/data_file.h"
#include "worker/engine/dataset.h"

namespace hpo::engine {

inline constexpr int kFashionMnistDefaultValidation = 10000;
inline constexpr int kSyntheticDefaultTrain = 1000;
inline constexpr int kSyntheticDefaultValidation = 200;

inline constexpr double kCsvDefaultValidationFraction = 0.2;

enum class Scaling { kNone, kStandardize };

struct DataConfig {
  std::string name;             // "fashion-mnist" | "synthetic-regression" | "csv"
  int train_examples = 0;       // 0: all that remain after the validation split
                                // (synthetic: 1000)
  int validation_examples = 0;  // 0: fashion-mnist 10000, synthetic 200, csv 20%
  std::string path;             // fashion-mnist: dir with train-images-idx3-ubyte.gz
                                // etc. (empty: /usr/share/datasets/fashion-mnist);
                                // csv: the training file
  uint64_t seed = 0;            // validation split / synthetic data
  // csv only (see csv_reader.h).
  std::string test_path;     // optional test file with the same columns
  std::string label_column;  // name or index; empty: the last column
  bool header = true;
  bool classification = true;
  // Applied after the split, with statistics of the training part only.
  Scaling scaling = Scaling::kNone;
  // The largest file read (IDX: also the most bytes once decompressed).
  int64_t max_bytes = kDefaultMaxDataBytes;
};

// Accepts the names in hpo::kScalingNames.
absl::StatusOr<Scaling> ParseScaling(std::string_view name);

// Standardises every feature of train, validation and test with the mean and
// (population) standard deviation of train: x' = (x - mean) / std. A feature
// constant on train is only centred.
void Standardize(DataSplit& split);

// fashion-mnist: the validation set is a seeded random subset of the 60k
// training images, train the next train_examples of the same permutation
// (so train and validation never overlap), test the 10k t10k images.
// synthetic-regression: see synthetic.h; test is empty.
// csv: validation is a seeded random subset of the file's rows, train the
// next train_examples rows of the same permutation; test is test_path's rows.
// Errors: InvalidArgument naming the field (unknown name, negative counts,
// train_examples + validation_examples more than exist); the file errors of
// ReadIdxFile, which name the file; DataLoss if images and labels disagree.
absl::StatusOr<DataSplit> LoadData(const DataConfig& config);

// The four IDX files LoadData reads for fashion-mnist from directory `dir`:
// train images and labels, then t10k images and labels.
std::vector<std::string> FashionMnistFiles(const std::string& dir);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_DATA_H_
