// Reader for IDX files (the MNIST / Fashion-MNIST format), gzip-compressed
// or plain. Errors name the file and what is wrong with it; a bad file never
// crashes the process.
//
// Free functions; thread-safe.
#ifndef HPO_WORKER_ENGINE_IDX_READER_H_
#define HPO_WORKER_ENGINE_IDX_READER_H_

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/data_file.h"

namespace hpo::engine {

// An IDX array of unsigned bytes: dims[0] is the number of items.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // row-major, product(dims) bytes
};

// Reads an unsigned-byte IDX file of the given rank (3 for images, 1 for
// labels): a regular file of at most `max_bytes`, holding at most `max_bytes`
// of data once decompressed. Errors: NotFound if the file does not exist;
// InvalidArgument for a file that is not regular or too large (CheckDataFile);
// DataLoss for a wrong magic number, a zero dimension, too much data, a
// truncated file or trailing bytes; Internal for other I/O failures.
absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path, int rank,
                                     int64_t max_bytes = kDefaultMaxDataBytes);

// Images as (rows * cols, n) floats: pixel / 255, so in [0, 1].
absl::StatusOr<Eigen::MatrixXf> ReadIdxImages(const std::string& path,
                                              int64_t max_bytes = kDefaultMaxDataBytes);

// Labels, each checked to be < num_classes (DataLoss naming the file and the
// index otherwise).
absl::StatusOr<std::vector<int32_t>> ReadIdxLabels(const std::string& path, int num_classes,
                                                   int64_t max_bytes = kDefaultMaxDataBytes);

// Column `index` of an image array as floats in [0, 1], written to `out`
// (rows * cols values). Shared by ReadIdxImages and the data splitter.
void ImageToFloats(const IdxArray& images, int64_t index, float* out);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_IDX_READER_H_
