// The differences between two study specs, named as a spec file names them
// ("params.lr.high", "task.dataset.path", never proto paths): for messages
// ("already exists with a different spec (params.lr.high: 1 -> 2)") and for
// deciding which changes a live study may take (UpdateStudy).
#ifndef HPO_COMMON_SPEC_DIFF_H_
#define HPO_COMMON_SPEC_DIFF_H_

#include <string>
#include <vector>

#include "hpo/v1/study.pb.h"

namespace hpo {

struct SpecChange {
  std::string path;    // "max_trials", "params.lr.high", "params.width" (added or removed)
  std::string before;  // as YAML writes it; "(unset)" when absent
  std::string after;
};

// Every field that differs, in the order of study.proto; parameters are
// matched by name.
std::vector<SpecChange> DiffStudySpecs(const v1::StudySpec& before, const v1::StudySpec& after);

// "params.lr.high: 1 -> 2".
std::string FormatSpecChange(const SpecChange& change);

}  // namespace hpo

#endif  // HPO_COMMON_SPEC_DIFF_H_
