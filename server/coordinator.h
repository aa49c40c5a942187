// The coordinator's logic: studies, trial hand-out under leases, ask/tell and
// results. It knows nothing of gRPC (server/coordinator_service.h adapts it)
// and owns its Storage. Memory holds the live state. A change is applied to
// memory and its writes queued for group commit (server/storage/commit_queue.h)
// under one lock; the call answers once they are durable. Every answer, reads
// included, waits until whatever it saw is durable, so nothing is reported
// that a crash could take back. If a commit fails, memory is rebuilt from the
// file and every call whose change was not stored answers UNAVAILABLE.
//
// Thread-safe: one mutex guards all state; SQLite runs on the commit thread.
#ifndef HPO_SERVER_COORDINATOR_H_
#define HPO_SERVER_COORDINATOR_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hpo/v1/coordinator.pb.h"
#include "server/clock.h"
#include "server/pruner/pruner.h"
#include "server/sampler/sampler.h"
#include "server/storage/commit_queue.h"
#include "server/storage/storage.h"

namespace hpo::server {

struct CoordinatorOptions {
  // What AcquireTrial tells a worker to wait when there is nothing to do.
  int64_t retry_after_ms = 1000;
  // The largest page ListTrials returns.
  int32_t max_page_size = 10000;
};

class Coordinator {
 public:
  // Rebuilds the state from `storage`. Trials that were RUNNING get a fresh
  // lease window, so their workers can carry on after a coordinator restart.
  static absl::StatusOr<std::unique_ptr<Coordinator>> Open(std::unique_ptr<Storage> storage,
                                                          Clock* clock,
                                                          CoordinatorOptions options = {});

  // Validates the spec (INVALID_ARGUMENT naming the field), fills defaults and
  // a sampler seed if none is given, and stores the study. ALREADY_EXISTS if
  // the name is taken, unless load_if_exists and the spec is the same.
  absl::StatusOr<v1::Study> CreateStudy(v1::StudySpec spec, bool load_if_exists);
  absl::StatusOr<v1::Study> GetStudy(absl::string_view study_name);
  absl::StatusOr<std::vector<v1::Study>> ListStudies();
  // No more trials are handed out; running ones may finish.
  absl::StatusOr<v1::Study> StopStudy(absl::string_view study_name);

  // Hands `request.worker_id` a trial of a running study that has a task, or
  // says when to ask again.
  absl::StatusOr<v1::AcquireTrialResponse> AcquireTrial(const v1::AcquireTrialRequest& request);
  // Extends the lease. FAILED_PRECONDITION if the lease is lost or the trial done.
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::TrialRef& ref);
  // Records a step's value and asks the study's pruner. When it says prune,
  // the trial becomes PRUNED (keeping this value) in the same change, and the
  // response says so: the caller should stop. Works for asked trials too
  // (with no lease_id).
  absl::StatusOr<v1::ReportIntermediateResponse> ReportIntermediate(
      const v1::ReportIntermediateRequest& request);
  absl::StatusOr<v1::Trial> CompleteTrial(const v1::CompleteTrialRequest& request);
  absl::StatusOr<v1::Trial> FailTrial(const v1::FailTrialRequest& request);

  // A new RUNNING trial with sampled params and no lease.
  absl::StatusOr<v1::Trial> Ask(absl::string_view study_name);
  // Finishes an asked trial: COMPLETE (needs a finite value), FAILED or PRUNED.
  // Telling PRUNED about a trial the pruner already stopped is not an error.
  absl::StatusOr<v1::Trial> Tell(const v1::TellRequest& request);

  absl::StatusOr<v1::ListTrialsResponse> ListTrials(const v1::ListTrialsRequest& request);
  // NOT_FOUND when the study has no COMPLETE trial yet.
  absl::StatusOr<v1::Trial> GetBestTrial(absl::string_view study_name);

  // Fails every leased trial whose lease has expired ("lease expired").
  // Returns how many. The server calls this on a timer.
  absl::StatusOr<int> ReclaimExpiredLeases();

 private:
  struct StudyState {
    v1::Study study;  // spec, state, create time; counts are filled on read
    std::vector<v1::Trial> trials;
    std::vector<std::string> lease_ids;  // by trial number; "" for ask/tell trials
    std::unique_ptr<Sampler> sampler;
    std::unique_ptr<Pruner> pruner;
    int64_t sampled_trials = 0;   // trials that are not retries: what max_trials counts
    std::deque<int64_t> waiting;  // numbers of WAITING retries, oldest first
    // Indexes kept up to date by Put(), so no call scans every trial.
    std::map<v1::Trial::State, int64_t> counts;
    int64_t unfinished = 0;           // WAITING or RUNNING
    int64_t best = -1;                // number of the best COMPLETE trial
    absl::btree_set<int64_t> leased;  // RUNNING trials under a lease
    absl::btree_set<std::string> user_attr_names;

    // Sets trial `trial.number()` (appending it if it is the next number)
    // and updates the indexes.
    void Put(v1::Trial trial, std::string lease_id);
  };
  using StudyMap = std::map<std::string, std::unique_ptr<StudyState>, std::less<>>;

  Coordinator(std::unique_ptr<Storage> storage, Clock* clock, CoordinatorOptions options)
      : storage_(std::move(storage)), clock_(clock), options_(options) {}

  // The studies `stored` holds, as memory. Running trials get a fresh lease window.
  absl::StatusOr<StudyMap> Load(std::vector<StoredStudy> stored) const;
  // Runs `change` under the lock, queues the writes it made, and returns its
  // result once those writes (and every change it could have seen) are durable.
  template <typename Change>
  auto Transact(Change change) -> decltype(change());
  // The commit queue's `on_failure`: memory is rebuilt from the file.
  void OnCommitFailure(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<StudyState*> FindStudy(absl::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The trial `ref` names, checked to be RUNNING under the lease `ref` holds.
  absl::StatusOr<v1::Trial*> FindLeasedTrial(const v1::TrialRef& ref, StudyState** study)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets trial `trial.number()` (appending a new one) in memory, keeps the
  // indexes up to date and queues the write. Part of the change in progress.
  void Store(StudyState& study, v1::Trial trial, std::string lease_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetStudyState(StudyState& study, v1::Study::State state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Trial*> NewTrial(StudyState& study, absl::string_view worker_id,
                                      bool leased) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Hands the oldest WAITING retry to `worker_id` under a new lease.
  v1::Trial* StartWaitingTrial(StudyState& study, absl::string_view worker_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fails a trial that did not fail on its own (its lease expired, its
  // worker stopped) and, unless its chain of retries has reached
  // max_retries, queues a WAITING copy with the same params.
  void FailAndRetry(StudyState& study, int64_t number, absl::string_view reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `trial` as it is once finished in `state`.
  v1::Trial Finished(const v1::Trial& trial, v1::Trial::State state, std::optional<double> value,
                     std::string reason,
                     const google::protobuf::Map<std::string, double>& user_attrs) const;
  v1::Trial Finish(StudyState& study, const v1::Trial& trial, v1::Trial::State state,
                   std::optional<double> value, std::string reason,
                   const google::protobuf::Map<std::string, double>& user_attrs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks the study COMPLETED once max_trials trials exist and all are done.
  void MaybeComplete(StudyState& study) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // For "max_trials reached": which trials still hold the study open.
  static std::string StillRunning(const StudyState& study);
  bool CanCreateTrial(const StudyState& study) const;
  v1::Study Summarize(const StudyState& study) const;

  // After Open, used only by the commit queue's thread.
  std::unique_ptr<Storage> storage_;
  Clock* clock_;
  const CoordinatorOptions options_;
  absl::Mutex mu_;
  StudyMap studies_ ABSL_GUARDED_BY(mu_);
  // The writes of the change in progress (inside Transact).
  std::vector<StorageWrite> pending_ ABSL_GUARDED_BY(mu_);
  // Set when memory could not be rebuilt after a failed commit: every call
  // answers it until the coordinator is restarted.
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<CommitQueue> commits_;  // last: its thread uses the members above
};

}  // namespace hpo::server

#endif  // HPO_SERVER_COORDINATOR_H_
