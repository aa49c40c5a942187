#include "worker/engine/idx_reader.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo::engine {
namespace {

using ::hpo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kFashionDir[] = "/usr/share/datasets/fashion-mnist";

std::vector<uint8_t> Header(uint8_t rank, const std::vector<uint32_t>& dims) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, rank};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back((d >> shift) & 0xff);
  }
  return bytes;
}

class IdxReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("idx_reader_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteGz(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
                static_cast<int>(bytes.size()));
    }
    gzclose(f);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(IdxReaderTest, ReadsFashionMnistTrainImages) {
  auto images = ReadIdxImages(std::string(kFashionDir) + "/train-images-idx3-ubyte.gz");
  ASSERT_OK(images);
  EXPECT_EQ(images->rows(), 784);
  EXPECT_EQ(images->cols(), 60000);
  EXPECT_GE(images->minCoeff(), 0.0f);
  EXPECT_EQ(images->maxCoeff(), 1.0f);  // some pixel is 255
  // Not all black or all white: a real image set.
  EXPECT_GT(images->mean(), 0.1f);
  EXPECT_LT(images->mean(), 0.6f);
}

TEST_F(IdxReaderTest, ReadsFashionMnistTestSetAndLabels) {
  auto images = ReadIdxImages(std::string(kFashionDir) + "/t10k-images-idx3-ubyte.gz");
  ASSERT_OK(images);
  EXPECT_EQ(images->rows(), 784);
  EXPECT_EQ(images->cols(), 10000);
  auto labels = ReadIdxLabels(std::string(kFashionDir) + "/t10k-labels-idx1-ubyte.gz", 10);
  ASSERT_OK(labels);
  ASSERT_EQ(labels->size(), 10000u);
  std::vector<int> counts(10, 0);
  for (int32_t label : *labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 10);
    ++counts[label];
  }
  for (int c : counts) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test set is balanced
}

TEST_F(IdxReaderTest, ReadsASmallFileExactly) {
  std::vector<uint8_t> bytes = Header(3, {2, 1, 3});
  for (uint8_t v : {0, 51, 255, 102, 204, 0}) bytes.push_back(v);
  auto images = ReadIdxImages(WriteGz("ok.gz", bytes));
  ASSERT_OK(images);
  ASSERT_EQ(images->rows(), 3);
  ASSERT_EQ(images->cols(), 2);
  EXPECT_FLOAT_EQ((*images)(1, 0), 0.2f);
  EXPECT_FLOAT_EQ((*images)(2, 0), 1.0f);
  EXPECT_FLOAT_EQ((*images)(1, 1), 0.8f);
}

TEST_F(IdxReaderTest, MissingFileIsNotFoundNamingIt) {
  const std::string path = (dir_ / "nope-images-idx3-ubyte.gz").string();
  EXPECT_THAT(ReadIdxImages(path), StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST_F(IdxReaderTest, WrongMagicNamesTheFile) {
  std::vector<uint8_t> bytes = Header(1, {3});
  bytes.insert(bytes.end(), {1, 2, 3});
  const std::string path = WriteGz("labels-as-images.gz", bytes);
  EXPECT_THAT(ReadIdxImages(path),
              StatusIs(absl::StatusCode::kDataLoss, AllOf(HasSubstr(path), HasSubstr("magic"))));
  bytes[2] = 0x0d;  // float data
  const std::string float_path = WriteGz("float.gz", bytes);
  EXPECT_THAT(
      ReadIdxLabels(float_path, 10),
      StatusIs(absl::StatusCode::kDataLoss, AllOf(HasSubstr(float_path), HasSubstr("magic"))));
}

TEST_F(IdxReaderTest, TruncatedDataNamesTheFile) {
  std::vector<uint8_t> bytes = Header(3, {10, 28, 28});
  bytes.resize(bytes.size() + 100, 7);
  const std::string path = WriteGz("short.gz", bytes);
  EXPECT_THAT(ReadIdxImages(path), StatusIs(absl::StatusCode::kDataLoss,
                                            AllOf(HasSubstr(path), HasSubstr("truncated"))));
}

// Found by tests/fuzz/idx_fuzzer: the reader allocated (and zeroed) what the
// header claimed before reading, so a 30-byte file could take gigabytes.
TEST_F(IdxReaderTest, HugeHeaderInSmallFileIsTruncatedWithoutAllocatingIt) {
  std::vector<uint8_t> bytes = Header(3, {16384, 16384, 3});  // 805 MB < the 1 GiB limit
  bytes.resize(bytes.size() + 10, 7);
  const std::string path = WriteGz("huge.gz", bytes);
  EXPECT_THAT(ReadIdxImages(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path),
                             HasSubstr("truncated: the data needs 805306368 bytes, file has 10"))));
}

// Found by tests/fuzz/idx_fuzzer: the size check ran after the multiply, and
// 60000 * 58616 * 4176021255 overflows int64_t (undefined; in practice a
// negative size and a std::length_error out of the reader).
TEST_F(IdxReaderTest, DimensionsWhoseProductOverflowsAreImplausible) {
  const std::string path = WriteGz("overflow.gz", Header(3, {60000, 58616, 4176021255u}));
  EXPECT_THAT(ReadIdxImages(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path), HasSubstr("more than the limit"))));
}

// A study's paths are untrusted: a device or FIFO must not block or grow the
// reader, and a small file must not decompress past the limit.
TEST_F(IdxReaderTest, RefusesWhatIsNotARegularFileAndMoreThanTheLimit) {
  EXPECT_THAT(ReadIdxImages("/dev/zero"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  EXPECT_THAT(ReadIdxImages(std::filesystem::temp_directory_path().string()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  std::vector<uint8_t> bytes = Header(3, {50, 28, 28});
  bytes.resize(bytes.size() + 50 * 28 * 28);
  const std::string path = WriteGz("zeros.gz", bytes);
  EXPECT_OK(ReadIdxImages(path, 50 * 28 * 28));
  EXPECT_THAT(ReadIdxImages(path, 50 * 28 * 28 - 1),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("more than the limit")));
  EXPECT_THAT(ReadIdxImages(path, 16),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than the limit")));
}

TEST_F(IdxReaderTest, TruncatedHeaderNamesTheFile) {
  const std::string path = WriteGz("header.gz", {0, 0, 8});
  EXPECT_THAT(ReadIdxImages(path), StatusIs(absl::StatusCode::kDataLoss,
                                            AllOf(HasSubstr(path), HasSubstr("truncated"))));
  const std::string empty = WriteGz("empty.gz", {});
  EXPECT_THAT(ReadIdxLabels(empty, 10), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(empty)));
}

TEST_F(IdxReaderTest, CutGzipStreamNamesTheFile) {
  // A real compressed file cut in half: zlib sees an unexpected end.
  std::vector<uint8_t> bytes = Header(3, {50, 28, 28});
  for (int i = 0; i < 50 * 28 * 28; ++i) bytes.push_back(static_cast<uint8_t>((i * 37) % 251));
  const std::string path = WriteGz("cut.gz", bytes);
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  EXPECT_THAT(ReadIdxImages(path), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
}

TEST_F(IdxReaderTest, TrailingBytesAndZeroDimensionsAreErrors) {
  std::vector<uint8_t> bytes = Header(1, {2});
  bytes.insert(bytes.end(), {1, 2, 3});
  const std::string path = WriteGz("long.gz", bytes);
  EXPECT_THAT(ReadIdxLabels(path, 10), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
  const std::string zero = WriteGz("zero.gz", Header(3, {5, 0, 28}));
  EXPECT_THAT(ReadIdxImages(zero), StatusIs(absl::StatusCode::kDataLoss,
                                            AllOf(HasSubstr(zero), HasSubstr("dimension 1"))));
}

TEST_F(IdxReaderTest, LabelOutOfRangeNamesFileAndIndex) {
  std::vector<uint8_t> bytes = Header(1, {3});
  bytes.insert(bytes.end(), {1, 12, 3});
  const std::string path = WriteGz("labels.gz", bytes);
  EXPECT_THAT(
      ReadIdxLabels(path, 10),
      // The whole message: the label's value (12) is not echoed.
      StatusIs(absl::StatusCode::kDataLoss, path + ": label 1 is out of range (must be < 10)"));
}

}  // namespace
}  // namespace hpo::engine
