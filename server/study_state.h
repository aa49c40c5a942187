// One study as the coordinator holds it in memory: its record, its trials,
// sampler and pruner, its leases, and the indexes that spare every call a
// scan of the trials (counts by state, the best trial, the user attribute
// names, the trials in the order they last changed). Put() and
// AddIntermediateValue() are the only ways a trial changes, so the indexes
// cannot drift from the trials.
//
// Not thread-safe: the coordinator holds `mu` for every access, except to
// `leases`, which has a lock of its own.
#ifndef HPO_SERVER_STUDY_STATE_H_
#define HPO_SERVER_STUDY_STATE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/synchronization/mutex.h"
#include "hpo/v1/coordinator.pb.h"
#include "server/analysis/completed_trials.h"
#include "server/analysis/study_snapshot.h"
#include "server/lease_table.h"
#include "server/pruner/pruner.h"
#include "server/sampler/sampler.h"
#include "server/storage/storage.h"

namespace hpo::server {

struct StudyState {
  // `first_revision` is where revision() starts: the coordinator starts it
  // from its clock, so a revision seen before a restart is below every one
  // after it.
  explicit StudyState(uint64_t first_revision = 0) : revision_(first_revision) {}

  absl::Mutex mu;
  v1::Study study;  // spec, state, create time; counts are filled by Summary()
  std::vector<v1::Trial> trials;
  // The RUNNING trials' leases (an asked trial may have none). Their expiry
  // times live here, not in `trials`.
  LeaseTable leases;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<Pruner> pruner;
  int64_t sampled_trials = 0;   // trials that are not retries: what max_trials counts
  std::deque<int64_t> waiting;  // numbers of WAITING retries, oldest first
  // Trials that failed in a row with task_error; 0 again after a COMPLETE
  // or PRUNED trial or a resume. Not stored: a restart gives the task
  // another round.
  int task_errors_in_a_row = 0;
  // The last snapshot taken for the web page (Coordinator::Snapshot).
  std::shared_ptr<const StudySnapshot> snapshot;
  // The writes of the change in progress on this study.
  std::vector<StorageWrite> pending;

  // Sets trial `trial.number()` (appending it if it is the next number) and
  // updates the indexes. A RUNNING trial with a `lease_id` is granted its
  // lease until its lease_expire_time_ms; any other trial holds none.
  void Put(v1::Trial trial, std::string lease_id);
  // Adds `value` to trial `number`'s intermediate values, kept in step order.
  void AddIntermediateValue(int64_t number, const v1::IntermediateValue& value);

  // Read from the indexes.
  int64_t Count(v1::Trial::State state) const;
  int64_t unfinished() const { return unfinished_; }  // WAITING or RUNNING
  // The best COMPLETE trial (the lower number wins a tie), or nullptr.
  const v1::Trial* Best() const { return best_ < 0 ? nullptr : &trials[best_]; }
  // Every user attribute name a trial of the study has.
  const absl::btree_set<std::string>& user_attr_names() const { return user_attr_names_; }
  // The COMPLETE trials as columns, for the web page's series and importance.
  const CompletedTrials& completed() const { return completed_; }
  // Counts the changes to the trials: equal revisions, equal trials.
  uint64_t revision() const { return revision_; }
  // Every trial's number by the revision of its last change.
  const absl::btree_map<uint64_t, int64_t>& changes() const { return changes_; }

  // Whether max_trials (or, when 0, the hard limit) allows another new trial,
  // whatever the study's state.
  bool HasRoomForTrials() const;
  // HasRoomForTrials, or a WAITING retry left to run.
  bool HasTrialsToRun() const { return !waiting.empty() || HasRoomForTrials(); }
  // The study record with its counts by state, best trial and user
  // attribute names.
  v1::Study Summary() const;

 private:
  std::map<v1::Trial::State, int64_t> counts_;
  int64_t unfinished_ = 0;
  int64_t best_ = -1;  // number of the best COMPLETE trial
  absl::btree_set<std::string> user_attr_names_;
  CompletedTrials completed_;
  int64_t update_time_ms_ = 0;
  uint64_t revision_ = 0;
  std::vector<uint64_t> trial_revisions_;  // by trial number
  absl::btree_map<uint64_t, int64_t> changes_;

  // Gives trial `number` the next revision.
  void Changed(int64_t number);
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STUDY_STATE_H_
