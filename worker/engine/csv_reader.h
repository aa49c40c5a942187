// Reads a user's dataset from a CSV file: one example per line, numeric
// feature columns and one label column. Fields are separated by commas and
// may be padded with spaces; quoting is not supported. Blank lines are
// skipped. Errors name the file, the line and the column (both counted from
// 1) and the kind of problem, but never quote the file's text: they travel to
// the coordinator and whoever reads the study, and the file need not be theirs.
//
// Free functions; thread-safe.
#ifndef HPO_WORKER_ENGINE_CSV_READER_H_
#define HPO_WORKER_ENGINE_CSV_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/data_file.h"
#include "worker/engine/dataset.h"

namespace hpo::engine {

struct CsvOptions {
  std::string path;
  // The label column: a header name, or a 0-based index ("0", "7"); a
  // negative index counts from the end ("-1" is the last column). Empty: the
  // last column.
  std::string label_column;
  bool header = true;          // the first line names the columns
  bool classification = true;  // else regression: the label is a number
  int64_t max_bytes = kDefaultMaxDataBytes;  // the largest file read
};

// Classification labels are names: class k is class_names[k]. When
// `class_names` is empty on entry it is filled from this file's labels, sorted
// (numerically when all are integers, else as text); otherwise every label
// must be one of them (so a test file shares the training file's classes).
// Regression labels land in Dataset::targets (1 x n).
// Errors: NotFound (no file), InvalidArgument for a file that is not regular
// or too large (CheckDataFile), "PATH:LINE: ..." for a bad number (naming the
// column), a wrong number of columns, an unknown label column, a label not
// among class_names, or a file with no examples.
absl::StatusOr<Dataset> ReadCsvDataset(const CsvOptions& options,
                                       std::vector<std::string>* class_names);

}  // namespace hpo::engine

#endif  // HPO_WORKER_ENGINE_CSV_READER_H_
