// libFuzzer target: arbitrary bytes as an IDX data file (plain, or gzip when
// the bytes start with gzip's magic: the reader accepts both), read as images
// and as labels. Errors are fine; a crash, a sanitizer report, an allocation
// beyond libFuzzer's limit or a hang is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "worker/engine/idx_reader.h"

namespace {

// One file per process, rewritten for every input.
const std::string& InputPath() {
  static const std::string* path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/idx_fuzzer.XXXXXX";
    const int fd = mkstemp(pattern.data());
    if (fd < 0) std::abort();
    close(fd);
    return new std::string(pattern);
  }();
  return *path;
}

void WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = InputPath();
  WriteFile(path, data, size);

  auto images = hpo::engine::ReadIdxImages(path);
  if (images.ok()) {
    // Pixels are bytes / 255.
    for (Eigen::Index i = 0; i < images->size(); ++i) {
      const float v = images->data()[i];
      if (!(v >= 0.0f && v <= 1.0f)) std::abort();
    }
  }
  auto labels = hpo::engine::ReadIdxLabels(path, 10);
  if (labels.ok()) {
    for (int32_t label : *labels) {
      if (label < 0 || label >= 10) std::abort();
    }
  }
  // Other ranks reach the header checks with a different expected magic.
  (void)hpo::engine::ReadIdxFile(path, 2);
  return 0;
}
