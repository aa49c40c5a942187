// The COMPLETE trials of a study as columns of numbers - number, value and
// each param - appended as trials complete (a COMPLETE trial never changes
// again). The web page's series and the importance are computed from a copy
// of these columns, so a poll never walks the trials themselves.
#ifndef HPO_SERVER_ANALYSIS_COMPLETED_TRIALS_H_
#define HPO_SERVER_ANALYSIS_COMPLETED_TRIALS_H_

#include <cstdint>
#include <vector>

#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::server {

struct CompletedTrials {
  // In the order the trials completed.
  std::vector<int64_t> numbers;
  std::vector<double> values;
  // params[p][i]: param p of the spec (in its order) of trial numbers[i]:
  // floats and ints as they are, a categorical as its choice's index, NaN
  // when the trial lacks it.
  std::vector<std::vector<double>> params;

  // Appends `trial`, a COMPLETE trial with a value, of a study with `spec`.
  void Add(const v1::Trial& trial, const v1::StudySpec& spec);
  size_t size() const { return numbers.size(); }
};

}  // namespace hpo::server

#endif  // HPO_SERVER_ANALYSIS_COMPLETED_TRIALS_H_
