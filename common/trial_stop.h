// Why a trial stops before its end (a worker's training, hpo agent's command),
// and what is then told to the coordinator.
#ifndef HPO_COMMON_TRIAL_STOP_H_
#define HPO_COMMON_TRIAL_STOP_H_

#include <string>

namespace hpo {

struct TrialStop {
  enum Reason {
    kNone,           // train on
    kWorkerStopped,  // the worker (or agent) is shutting down: the trial is given back (retried)
    kPruned,         // the coordinator has already marked it PRUNED
    kStudyStopped,   // the study was stopped: the trial fails, not retried
    kLeaseLost,      // the coordinator no longer holds the trial for this worker
    kCallFailed,     // a report could not be delivered
  };
  Reason reason = kNone;
  std::string detail;  // for logs, e.g. the coordinator's message

  bool stopping() const { return reason != kNone; }
};

}  // namespace hpo

#endif  // HPO_COMMON_TRIAL_STOP_H_
