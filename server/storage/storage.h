// The durable record of studies and trials. The coordinator keeps the live
// state in memory and writes every change through this interface; at start it
// rebuilds its memory from LoadAll(). Each mutating call is one transaction:
// it either happens whole or not at all.
//
// Implementations need not be thread-safe: the coordinator serialises calls.
#ifndef HPO_SERVER_STORAGE_STORAGE_H_
#define HPO_SERVER_STORAGE_STORAGE_H_

#include <string>
#include <utility>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::server {

// A trial as stored, with the lease token that only the coordinator sees.
struct StoredTrial {
  v1::Trial trial;
  std::string lease_id;
};

struct StoredStudy {
  v1::Study study;                  // spec, state, create time (no counts)
  std::vector<StoredTrial> trials;  // ordered by number
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Every study with every trial and its intermediate values.
  virtual absl::StatusOr<std::vector<StoredStudy>> LoadAll() = 0;

  // ALREADY_EXISTS if a study of that name is stored.
  virtual absl::Status CreateStudy(const v1::Study& study) = 0;

  // NOT_FOUND for an unknown study.
  virtual absl::Status UpdateStudyState(absl::string_view study_name, v1::Study::State state) = 0;

  // Inserts the trial, or updates the stored one of the same study and number
  // (state, value, user attributes, worker, lease, times). Params are written
  // when the trial is first stored and never change. Intermediate values are
  // not written here (see AddIntermediateValue). NOT_FOUND for an unknown study.
  virtual absl::Status PutTrial(const v1::Trial& trial, absl::string_view lease_id) = 0;

  // PutTrial for each of `trials` (with its lease id), all in one transaction.
  virtual absl::Status PutTrials(
      const std::vector<std::pair<const v1::Trial*, std::string>>& trials) = 0;

  // NOT_FOUND for an unknown study or trial.
  virtual absl::Status AddIntermediateValue(absl::string_view study_name, int64_t trial_number,
                                            const v1::IntermediateValue& value) = 0;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STORAGE_STORAGE_H_
