// Loads a named dataset and splits it into train / validation / test.
//
// Free function; thread-safe (each call reads its own files).
#ifndef HPO_WORKER_ENGINE_DATA_H_
#define HPO_WORKER_ENGINE_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "worker/engine/dataset.h"

namespace hpo::engine {

inline constexpr int kFashionMnistClasses = 10;
inline constexpr int kFashionMnistDefaultValidation = 10000;
inline constexpr int kSyntheticDefaultTrain = 1000;
inline constexpr int kSyntheticDefaultValidation = 200;

struct DataConfig {
  std::string name;             // "fashion-mnist" | "synthetic-regression"
  int train_examples = 0;       // 0: all that remain after the validation split
                                // (synthetic: 1000)
  int validation_examples = 0;  // 0: fashion-mnist 10000, synthetic 200
  std::string path;             // dir with train-images-idx3-ubyte.gz etc.;
                                // empty: /usr/share/datasets/fashion-mnist
  uint64_t seed = 0;            // validation split / synthetic data
};

// fashion-mnist: the validation set is a seeded random subset of the 60k
// training images, train the next train_examples of the same permutation
// (so train and validation never overlap), test the 10k t10k images.
// synthetic-regression: see synthetic.h; test is empty.
// Errors: InvalidArgument naming the field (unknown name, negative counts,
// train_examples + validation_examples more than exist); the file errors of
// ReadIdxFile, which name the file; DataLoss if images and labels disagree.
absl::StatusOr<DataSplit> LoadData(const DataConfig& config);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_DATA_H_
