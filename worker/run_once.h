// `hpo-worker run-once`: trains one configuration of a study's task locally,
// without a coordinator, so a user can try a task before starting a study.
//
// Free functions; thread-safe (each call trains its own model).
#ifndef HPO_WORKER_RUN_ONCE_H_
#define HPO_WORKER_RUN_ONCE_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::worker {

using ParamMap = google::protobuf::Map<std::string, v1::ParamValue>;

// The value of every parameter of `spec`: from `assignments` ("NAME=VALUE")
// when set there, else the middle of its range (the geometric middle for a
// log scale, rounded to the grid for int and stepped parameters) or, for a
// categorical, its first choice. `notes` receives one line per parameter
// saying what was chosen and why.
// InvalidArgument naming the assignment for an unknown name, a value of the
// wrong type, a value outside the range or not among the choices, a
// malformed assignment, or a name set twice.
absl::StatusOr<ParamMap> ChooseParams(const v1::StudySpec& spec,
                                      const std::vector<std::string>& assignments,
                                      std::vector<std::string>* notes);

// Loads the spec (LoadStudySpecFile), chooses the parameters, trains and
// prints to `out`: the chosen parameters, one line per epoch (train loss,
// validation loss and accuracy, learning rate, time, samples/s), and last a
// JSON line with samples_per_s (mean over epochs), val_loss, val_accuracy,
// test_accuracy and test_loss (null when there is no test set or no
// accuracy), epochs and seconds. Trains on `threads` threads. Errors go to
// `err`. Returns the exit code: 0 on success, 1 on any error.
int RunOnce(const std::string& spec_path, const std::vector<std::string>& assignments, int threads,
            std::ostream& out, std::ostream& err);

}  // namespace hpo::worker

#endif  // HPO_WORKER_RUN_ONCE_H_
