// Why a worker stops training a trial before its last epoch, and what it then
// tells the coordinator.
#ifndef HPO_WORKER_TRIAL_STOP_H_
#define HPO_WORKER_TRIAL_STOP_H_

#include <string>

namespace hpo::worker {

struct TrialStop {
  enum Reason {
    kNone,           // train on
    kWorkerStopped,  // the worker is shutting down: the trial is given back (retried)
    kPruned,         // the coordinator has already marked it PRUNED
    kStudyStopped,   // the study was stopped: the trial fails, not retried
    kLeaseLost,      // the coordinator no longer holds the trial for this worker
    kCallFailed,     // a report could not be delivered
  };
  Reason reason = kNone;
  std::string detail;  // for logs, e.g. the coordinator's message

  bool stopping() const { return reason != kNone; }
};

}  // namespace hpo::worker

#endif  // HPO_WORKER_TRIAL_STOP_H_
