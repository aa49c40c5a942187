#include "worker/engine/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <memory>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/engine/data_file.h"

namespace hpo::engine {
namespace {

// IDX type code 0x08: unsigned byte.
constexpr uint8_t kUnsignedByteType = 0x08;
// The data is read, and its buffer grown, this much at a time.
constexpr int64_t kReadChunkBytes = int64_t{1} << 20;

struct GzCloser {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to `size` bytes to `out`; fewer only at the end of the file.
// Returns how many.
absl::StatusOr<int64_t> ReadUpTo(gzFile file, const std::string& path, uint8_t* out, int64_t size,
                                 const std::string& what) {
  int64_t done = 0;
  while (done < size) {
    const unsigned chunk =
        static_cast<unsigned>(std::min<int64_t>(size - done, std::numeric_limits<int>::max() / 2));
    const int got = gzread(file, out + done, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* message = gzerror(file, &errnum);
      return absl::DataLossError(
          absl::StrCat(path, ": truncated or corrupt while reading ", what, " (", message, ")"));
    }
    if (got == 0) break;
    done += got;
  }
  return done;
}

absl::Status TruncatedError(const std::string& path, const std::string& what, int64_t size,
                            int64_t done) {
  return absl::DataLossError(
      absl::StrCat(path, ": truncated: ", what, " needs ", size, " bytes, file has ", done));
}

absl::Status ReadExactly(gzFile file, const std::string& path, uint8_t* out, int64_t size,
                         const std::string& what) {
  ASSIGN_OR_RETURN(const int64_t done, ReadUpTo(file, path, out, size, what));
  if (done < size) return TruncatedError(path, what, size, done);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path, int rank, int64_t max_bytes) {
  RETURN_IF_ERROR(CheckDataFile(path, max_bytes));
  errno = 0;
  GzFile file(gzopen(path.c_str(), "rb"));
  if (file == nullptr) {
    const int error = errno;
    if (error == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InternalError(
        absl::StrCat(path, ": cannot open: ", std::generic_category().message(error)));
  }
  uint8_t magic[4];
  RETURN_IF_ERROR(ReadExactly(file.get(), path, magic, 4, "the magic number"));
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != kUnsignedByteType || magic[3] != rank) {
    // The bytes found are not quoted: the file may not be an IDX file at all.
    return absl::DataLossError(absl::StrCat(path, ": bad magic number; expected 0x0000080", rank,
                                            " (unsigned bytes, rank ", rank, ")"));
  }
  IdxArray array;
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) {
    uint8_t raw[4];
    RETURN_IF_ERROR(ReadExactly(file.get(), path, raw, 4, absl::StrCat("dimension ", d)));
    const int64_t dim = (int64_t{raw[0]} << 24) | (int64_t{raw[1]} << 16) | (int64_t{raw[2]} << 8) |
                        int64_t{raw[3]};
    if (dim == 0) return absl::DataLossError(absl::StrCat(path, ": dimension ", d, " is 0"));
    // Checked before multiplying: the product of four 32-bit dimensions does
    // not fit in int64_t.
    if (total > max_bytes / dim) {
      return absl::DataLossError(
          absl::StrCat(path, ": more than the limit of ", max_bytes, " bytes of data"));
    }
    total *= dim;
    array.dims.push_back(dim);
  }
  // Grow with the bytes actually read: a header claiming gigabytes in a small
  // or cut file must fail as truncated, not allocate what it claims.
  for (int64_t done = 0; done < total;) {
    const int64_t chunk = std::min(total - done, kReadChunkBytes);
    array.data.resize(done + chunk);
    ASSIGN_OR_RETURN(const int64_t got,
                     ReadUpTo(file.get(), path, array.data.data() + done, chunk, "the data"));
    done += got;
    if (got < chunk) return TruncatedError(path, "the data", total, done);
  }
  uint8_t extra;
  if (gzread(file.get(), &extra, 1) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": unexpected bytes after the ", total, " data bytes"));
  }
  return array;
}

void ImageToFloats(const IdxArray& images, int64_t index, float* out) {
  const int64_t pixels = images.dims[1] * images.dims[2];
  const uint8_t* in = images.data.data() + index * pixels;
  for (int64_t i = 0; i < pixels; ++i) out[i] = static_cast<float>(in[i]) / 255.0f;
}

absl::StatusOr<Eigen::MatrixXf> ReadIdxImages(const std::string& path, int64_t max_bytes) {
  ASSIGN_OR_RETURN(IdxArray images, ReadIdxFile(path, 3, max_bytes));
  Eigen::MatrixXf result(images.dims[1] * images.dims[2], images.dims[0]);
  for (int64_t j = 0; j < images.dims[0]; ++j) ImageToFloats(images, j, result.col(j).data());
  return result;
}

absl::StatusOr<std::vector<int32_t>> ReadIdxLabels(const std::string& path, int num_classes,
                                                   int64_t max_bytes) {
  ASSIGN_OR_RETURN(IdxArray labels, ReadIdxFile(path, 1, max_bytes));
  std::vector<int32_t> result(labels.data.begin(), labels.data.end());
  for (size_t i = 0; i < result.size(); ++i) {
    if (result[i] >= num_classes) {
      return absl::DataLossError(
          absl::StrCat(path, ": label ", i, " is out of range (must be < ", num_classes, ")"));
    }
  }
  return result;
}

}  // namespace hpo::engine
