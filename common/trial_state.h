// Facts about trial states that the coordinator and its clients share.
#ifndef HPO_COMMON_TRIAL_STATE_H_
#define HPO_COMMON_TRIAL_STATE_H_

#include "hpo/v1/trial.pb.h"

namespace hpo {

// COMPLETE, PRUNED or FAILED: the trial will not change again.
inline bool IsFinished(v1::Trial::State state) {
  return state == v1::Trial::COMPLETE || state == v1::Trial::PRUNED ||
         state == v1::Trial::FAILED;
}

}  // namespace hpo

#endif  // HPO_COMMON_TRIAL_STATE_H_
