// In-memory datasets the trainer consumes. Plain value types; not
// thread-safe for concurrent mutation, safe to read from many threads.
#ifndef HPO_WORKER_ENGINE_DATASET_H_
#define HPO_WORKER_ENGINE_DATASET_H_

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace hpo::engine {

// One example per column.
struct Dataset {
  Eigen::MatrixXf features;     // (num_features, n), scaled (pixels to [0, 1])
  std::vector<int32_t> labels;  // classification: label per example in [0, num_classes)
  Eigen::MatrixXf targets;      // regression: (num_outputs, n); empty for classification
  int num_classes = 0;          // 0 means regression

  int64_t size() const { return features.cols(); }
  bool is_classification() const { return num_classes > 0; }
};

struct DataSplit {
  Dataset train;
  Dataset validation;
  Dataset test;  // may be empty
};

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_DATASET_H_
