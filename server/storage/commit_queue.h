// Group commit. Concurrent calls hand their writes to one queue; a single
// writer thread stores everything that arrived while the previous commit was
// running in one transaction, so that one fsync serves many calls.
//
// The owner (the coordinator) applies a change to its memory and Add()s the
// writes under its own lock, so writes reach storage in the order of the
// changes, then waits for the batch without holding its lock. If a commit
// fails, the owner's memory is ahead of the file: `on_failure` runs on the
// writer thread, must take the owner's lock, call FailOpenBatch() and rebuild
// the owner's memory from storage; then the failed batch's waiters are told.
//
// Thread-safe.
#ifndef HPO_SERVER_STORAGE_COMMIT_QUEUE_H_
#define HPO_SERVER_STORAGE_COMMIT_QUEUE_H_

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/metrics.h"
#include "server/storage/storage.h"

namespace hpo::server {

class CommitQueue {
 public:
  struct Batch;
  using BatchRef = std::shared_ptr<Batch>;

  // Starts the writer thread. `storage` must outlive the queue and is used
  // only by that thread from now on (including by `on_failure`). Each
  // commit's seconds go into `commit_seconds` unless it is null.
  CommitQueue(Storage* storage, std::function<void(const absl::Status&)> on_failure,
              Histogram* commit_seconds = nullptr);
  // Commits what is queued, then stops the writer thread.
  ~CommitQueue();

  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Queues `writes` (one change: they go into the same transaction) and
  // returns the batch that will hold them.
  BatchRef Add(std::vector<StorageWrite> writes);
  // The newest batch not yet committed, or null: what a reader waits for so
  // that it never reports a change that is not durable.
  BatchRef Latest();
  // Answers every waiter of the batch still open with `status` and starts a
  // new one. Only for `on_failure`.
  void FailOpenBatch(const absl::Status& status);

  // Blocks until `batch` (may be null) is committed; its commit's status.
  absl::Status Wait(const BatchRef& batch);

 private:
  void WriterLoop();

  Storage* const storage_;
  const std::function<void(const absl::Status&)> on_failure_;
  Histogram* const commit_seconds_;
  absl::Mutex mu_;
  BatchRef open_ ABSL_GUARDED_BY(mu_);
  BatchRef in_flight_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;  // last: starts once the rest is set up
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STORAGE_COMMIT_QUEUE_H_
