// The durable record of studies and trials. The coordinator keeps the live
// state in memory and sends every change here as StorageWrites; at start it
// rebuilds its memory from LoadAll(). Write() is one transaction: its writes
// happen whole or not at all.
//
// Implementations need not be thread-safe: one thread at a time uses them.
#ifndef HPO_SERVER_STORAGE_STORAGE_H_
#define HPO_SERVER_STORAGE_STORAGE_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
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

// Stores a new study (spec, state, create time). ALREADY_EXISTS if a study of
// that name is stored.
struct CreateStudyWrite {
  v1::Study study;
};

// NOT_FOUND for an unknown study.
struct StudyStateWrite {
  std::string study_name;
  v1::Study::State state;
  std::string reason;  // Study.state_reason
};

// Inserts the trial, or updates the stored one of the same study and number
// (state, value, user attributes, worker, lease, times). Params are written
// when the trial is first stored and never change. Intermediate values are
// not written here (see IntermediateValueWrite). NOT_FOUND for an unknown study.
struct TrialWrite {
  v1::Trial trial;
  std::string lease_id;
};

// NOT_FOUND for an unknown study or trial.
struct IntermediateValueWrite {
  std::string study_name;
  int64_t trial_number;
  v1::IntermediateValue value;
};

// Replaces a study's spec. NOT_FOUND for an unknown study.
struct StudySpecWrite {
  v1::StudySpec spec;
};

// Removes a study, its trials and everything stored with them. NOT_FOUND
// for an unknown study.
struct DeleteStudyWrite {
  std::string study_name;
};

using StorageWrite = std::variant<CreateStudyWrite, StudyStateWrite, TrialWrite,
                                  IntermediateValueWrite, StudySpecWrite, DeleteStudyWrite>;

class Storage {
 public:
  virtual ~Storage() = default;

  // Every study with every trial and its intermediate values.
  virtual absl::StatusOr<std::vector<StoredStudy>> LoadAll() = 0;

  // Applies `writes` in order, in one transaction: on error none of them is
  // stored.
  virtual absl::Status Write(absl::Span<const StorageWrite> writes) = 0;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STORAGE_STORAGE_H_
