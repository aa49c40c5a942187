// The coordinator's logic: studies, trial hand-out under leases, ask/tell and
// results. It knows nothing of gRPC (server/coordinator_service.h adapts it)
// and owns its Storage. Memory holds the live state. A change is applied to
// memory and its writes queued for group commit (server/storage/commit_queue.h)
// under one lock; the call answers once they are durable. Every answer, reads
// included, waits until whatever it saw is durable, so nothing is reported
// that a crash could take back. If a commit fails, memory is rebuilt from the
// file and every call whose change was not stored answers UNAVAILABLE.
//
// Thread-safe. A reader-writer mutex guards the map of studies (written only
// to add a study or to rebuild memory after a failed commit) and each study
// has a mutex of its own: a call on one study, sampling included, never waits
// for calls on another. SQLite runs on the commit thread.
#ifndef HPO_SERVER_COORDINATOR_H_
#define HPO_SERVER_COORDINATOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/api_limits.h"
#include "hpo/v1/coordinator.pb.h"
#include "server/analysis/study_snapshot.h"
#include "server/clock.h"
#include "server/metrics.h"
#include "server/pruner/pruner.h"
#include "server/sampler/sampler.h"
#include "server/storage/commit_queue.h"
#include "server/storage/storage.h"
#include "server/study_state.h"

namespace hpo::server {

struct CoordinatorOptions {
  // What AcquireTrial tells a worker to wait when there is nothing to do.
  int64_t retry_after_ms = 1000;
  // The largest page ListTrials returns, in trials and in bytes (ListStudies
  // too).
  int32_t max_page_size = 10000;
  int64_t max_page_bytes = kMaxPageBytes;
  // Trials of a study that fail in a row because its task cannot run
  // (FailTrialRequest.task_error) before the study is PAUSED.
  int pause_after_task_errors = 3;
  // At the least, the lease a restarted coordinator gives RUNNING trials, so
  // that their workers have time to reconnect (they retry every second at
  // most) even with a lease of a second or two.
  int64_t restart_grace_ms = 3000;
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
  // A page of studies in name order (see ListStudiesRequest).
  absl::StatusOr<v1::ListStudiesResponse> ListStudies(const v1::ListStudiesRequest& request);
  // No more trials are handed out. Running trials are told to stop at their
  // next heartbeat, or with `drain` finish: the study is DRAINING until
  // none runs, then STOPPED.
  absl::StatusOr<v1::Study> StopStudy(absl::string_view study_name, bool drain = false);
  // A PAUSED, STOPPED or DRAINING study is RUNNING again; FAILED_PRECONDITION
  // for a COMPLETED one whose max_trials allows no more.
  absl::StatusOr<v1::Study> ResumeStudy(absl::string_view study_name);
  // See UpdateStudy in coordinator.proto: the spec is replaced when every
  // difference is one a live study may take.
  absl::StatusOr<v1::Study> UpdateStudy(v1::StudySpec spec);
  // Removes the study and its trials (see DeleteStudy in coordinator.proto).
  absl::Status DeleteStudy(absl::string_view study_name, bool force);

  // Hands `request.worker_id` a trial of a running study that has a task, or
  // says when to ask again. Studies take turns: each call starts with the
  // study after the one the last trial came from.
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

  // A RUNNING trial: the oldest WAITING retry, else one with sampled params;
  // under a lease when asked for one (see AskRequest).
  absl::StatusOr<v1::AskResponse> Ask(const v1::AskRequest& request);
  // Finishes an asked trial: COMPLETE (needs a finite value), FAILED or PRUNED.
  // Telling PRUNED about a trial the pruner already stopped is not an error.
  absl::StatusOr<v1::Trial> Tell(const v1::TellRequest& request);
  // A WAITING trial with the request's params (checked against the space;
  // the rest are sampled when it starts), queued after the waiting retries.
  absl::StatusOr<v1::Trial> EnqueueTrial(const v1::EnqueueTrialRequest& request);

  absl::StatusOr<v1::ListTrialsResponse> ListTrials(const v1::ListTrialsRequest& request);
  // The trials of a study changed after revision `changed_after` (0: every
  // trial), in the order of their last change, at most `page_size` and about
  // max_page_bytes as ListTrials pages: how the web page follows a study
  // without asking again for trials that did not change.
  struct ChangedTrials {
    google::protobuf::RepeatedPtrField<v1::Trial> trials;
    // The revision to ask from next: the study's own, or the last trial's
    // when `more` changed trials are left.
    uint64_t revision = 0;
    bool more = false;
  };
  absl::StatusOr<ChangedTrials> ListChangedTrials(absl::string_view study_name,
                                                  uint64_t changed_after, int64_t page_size);
  // NOT_FOUND when the study has no COMPLETE trial yet.
  absl::StatusOr<v1::Trial> GetBestTrial(absl::string_view study_name);

  // The study as the web page plots it. Taken again only when its trials
  // changed and the last one is at least a second old: however many pages
  // poll, a study is copied at most once a second.
  absl::StatusOr<std::shared_ptr<const StudySnapshot>> Snapshot(absl::string_view study_name);
  absl::StatusOr<v1::GetParamImportancesResponse> GetParamImportances(absl::string_view study_name);

  // Fails every leased trial whose lease has expired ("lease expired").
  // Returns how many. The server calls this on a timer.
  absl::StatusOr<int> ReclaimExpiredLeases();

  // Counts and latencies since Open, for /metrics.
  const CoordinatorMetrics& metrics() const { return metrics_; }

 private:
  using StudyMap = std::map<std::string, std::unique_ptr<StudyState>, std::less<>>;

  Coordinator(std::unique_ptr<Storage> storage, Clock* clock, CoordinatorOptions options)
      : storage_(std::move(storage)), clock_(clock), options_(options) {}

  // The studies `stored` holds, as memory. Running trials get a fresh lease window.
  absl::StatusOr<StudyMap> Load(std::vector<StoredStudy> stored) const;
  using Batches = std::vector<CommitQueue::BatchRef>;
  // Runs `change(batches)` under the map's lock (exclusive, or shared: then
  // `change` locks each study it touches and queues each one's writes into
  // `batches` with Queue), and returns its result once those writes (and, for
  // a read, every change it could have seen) are durable.
  template <typename Change>
  auto Transact(bool exclusive, Change change) -> decltype(change(std::declval<Batches&>()));
  // Transact for a change on the one study `name` (NOT_FOUND if none):
  // `change(study)` runs with that study locked.
  template <typename Change>
  auto TransactStudy(absl::string_view name, Change change)
      -> decltype(change(std::declval<StudyState*>()));
  // Hands the writes `study` has pending to the commit queue as one batch
  // (the latest batch when there are none); every change ends with it, so
  // it also brings the lease terms up to date.
  CommitQueue::BatchRef Queue(StudyState& study) ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  // Gives `study`'s lease table the lease length and stop flag of its spec and state.
  static void SetLeaseTerms(StudyState& study);
  // `trial` with the expiry of the lease it holds, as calls show it.
  static v1::Trial WithLease(const StudyState& study, const v1::Trial& trial);
  // The commit queue's `on_failure`: memory is rebuilt from the file, with
  // the map's lock held exclusively.
  void OnCommitFailure(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<StudyState*> FindStudy(absl::string_view name) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The trial of `study` that `ref` names, checked to be RUNNING under the
  // lease `ref` holds.
  absl::StatusOr<v1::Trial*> LeasedTrial(StudyState* study, const v1::TrialRef& ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study->mu);
  // Sets trial `trial.number()` (appending a new one) in memory, keeps the
  // indexes up to date and queues the write. Part of the change in progress.
  void Store(StudyState& study, v1::Trial trial, std::string lease_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  void SetStudyState(StudyState& study, v1::Study::State state, std::string reason = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  absl::StatusOr<v1::Trial*> NewTrial(StudyState& study, absl::string_view worker_id, bool leased)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  // Hands the oldest WAITING trial (a retry or an enqueued one, whose missing
  // params are sampled now) to `worker_id`, under a new lease if `leased`.
  absl::StatusOr<v1::Trial*> StartWaitingTrial(StudyState& study, absl::string_view worker_id,
                                               bool leased) ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  // A waiting retry or a new trial of `study`, or nullptr when it may not
  // have one now.
  absl::StatusOr<v1::Trial*> StartTrial(StudyState& study, absl::string_view worker_id, bool leased)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  // Refuses user attributes that the study may not store (see api_limits.h).
  absl::Status CheckUserAttrs(const StudyState& study,
                              const google::protobuf::Map<std::string, double>& attrs) const;
  // Fails a trial that did not fail on its own (its lease expired, its
  // worker stopped) and, unless its chain of retries has reached
  // max_retries, queues a WAITING copy with the same params.
  void FailAndRetry(StudyState& study, int64_t number, absl::string_view reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  // `trial` as it is once finished in `state`.
  v1::Trial Finished(const v1::Trial& trial, v1::Trial::State state, std::optional<double> value,
                     std::string reason,
                     const google::protobuf::Map<std::string, double>& user_attrs) const;
  v1::Trial Finish(StudyState& study, const v1::Trial& trial, v1::Trial::State state,
                   std::optional<double> value, std::string reason,
                   const google::protobuf::Map<std::string, double>& user_attrs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  // Marks the study COMPLETED once max_trials trials exist and all are done,
  // and a DRAINING one STOPPED once none runs.
  void MaybeComplete(StudyState& study) ABSL_EXCLUSIVE_LOCKS_REQUIRED(study.mu);
  bool CanCreateTrial(const StudyState& study) const;

  // After Open, used only by the commit queue's thread.
  std::unique_ptr<Storage> storage_;
  Clock* clock_;
  const CoordinatorOptions options_;
  absl::Mutex mu_;
  StudyMap studies_ ABSL_GUARDED_BY(mu_);
  // The study AcquireTrial last handed a trial of: the next call starts after it.
  absl::Mutex acquire_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::string last_acquired_ ABSL_GUARDED_BY(acquire_mu_);
  // Set when memory could not be rebuilt after a failed commit: every call
  // answers it until the coordinator is restarted.
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  CoordinatorMetrics metrics_;
  std::unique_ptr<CommitQueue> commits_;  // last: its thread uses the members above
};

}  // namespace hpo::server

#endif  // HPO_SERVER_COORDINATOR_H_
