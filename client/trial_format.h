// How the CLI shows trials and studies: JSON (for programs), CSV, and aligned
// tables (for people). Params appear in the spec's order.
#ifndef HPO_CLIENT_TRIAL_FORMAT_H_
#define HPO_CLIENT_TRIAL_FORMAT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/trial_json.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::client {

enum class Format { kTable, kJson, kCsv };
// INVALID_ARGUMENT naming --format for anything but table, json or csv.
absl::StatusOr<Format> ParseFormat(const std::string& text);

// `text` with control characters (newline, escape, ...) written as \n, \t,
// \r or \xNN, for a terminal: a stored string is shown, never obeyed.
// With keep_newlines, for text of many lines, newlines stay.
std::string EscapeControl(absl::string_view text, bool keep_newlines = false);

// Prints trials as they come, so that a study of any size can be listed in
// little memory: JSON and CSV stream; a table keeps its rows (as text) to
// align the columns when Finish() is called.
class TrialPrinter {
 public:
  // `attrs`: the user attribute columns (Study.user_attr_names); `best`: the
  // number of the study's best trial, marked in a table.
  TrialPrinter(const v1::StudySpec& spec, std::vector<std::string> attrs, Format format,
               std::ostream& out, std::optional<int64_t> best = std::nullopt);
  void Add(const v1::Trial& trial);
  void Finish();

 private:
  const v1::StudySpec& spec_;
  const Format format_;
  std::ostream& out_;
  std::vector<std::string> params_;
  const std::vector<std::string> attrs_;
  const std::optional<int64_t> best_;
  std::vector<std::vector<std::string>> table_;
  int64_t count_ = 0;
};

void PrintTrials(const std::vector<v1::Trial>& trials, const v1::StudySpec& spec, Format format,
                 std::ostream& out);
void PrintStudies(const std::vector<v1::Study>& studies, Format format, std::ostream& out);
// The trials of a study, in every state.
int64_t TrialCount(const v1::Study& study);
// One trial as "key: value" lines (table) or a JSON object.
void PrintTrial(const v1::Trial& trial, const v1::StudySpec& spec, Format format,
                std::ostream& out);

}  // namespace hpo::client

#endif  // HPO_CLIENT_TRIAL_FORMAT_H_
