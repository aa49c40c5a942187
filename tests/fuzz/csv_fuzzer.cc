// libFuzzer target: the CSV dataset loader. The first input byte picks the
// options (header or not, classification or regression, which label column);
// the rest is the file. Errors are fine; a crash, a sanitizer report or a
// hang is a finding. Also checks that a file read with the class names it
// produced reads again with the same labels (how a test file is read after
// its training file).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "worker/engine/csv_reader.h"

namespace {

const std::string& InputPath() {
  static const std::string* path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/csv_fuzzer.XXXXXX";
    const int fd = mkstemp(pattern.data());
    if (fd < 0) std::abort();
    close(fd);
    return new std::string(pattern);
  }();
  return *path;
}

constexpr const char* kLabelColumns[] = {"", "0", "1", "-1", "-2", "label", "y", "99"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  hpo::engine::CsvOptions options;
  options.path = InputPath();
  options.header = (flags & 1) != 0;
  options.classification = (flags & 2) != 0;
  options.label_column = kLabelColumns[(flags >> 2) & 7];
  {
    std::ofstream out(options.path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
    if (!out) std::abort();
  }

  std::vector<std::string> class_names;
  auto dataset = hpo::engine::ReadCsvDataset(options, &class_names);
  if (!dataset.ok()) return 0;
  const int64_t n = dataset->size();
  if (n <= 0) std::abort();
  if (!options.classification) {
    if (dataset->targets.cols() != n) std::abort();
    return 0;
  }
  if (static_cast<int64_t>(dataset->labels.size()) != n) std::abort();
  if (dataset->num_classes != static_cast<int>(class_names.size())) std::abort();
  for (int32_t label : dataset->labels) {
    if (label < 0 || label >= dataset->num_classes) std::abort();
  }
  std::vector<std::string> same = class_names;
  auto again = hpo::engine::ReadCsvDataset(options, &same);
  if (!again.ok() || again->labels != dataset->labels || same != class_names) std::abort();
  return 0;
}
