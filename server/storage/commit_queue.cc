#include "server/storage/commit_queue.h"

#include <iterator>
#include <utility>

namespace hpo::server {

struct CommitQueue::Batch {
  std::vector<StorageWrite> writes;
  bool done = false;
  absl::Status status;
};

CommitQueue::CommitQueue(Storage* storage, std::function<void(const absl::Status&)> on_failure,
                         Histogram* commit_seconds)
    : storage_(storage),
      on_failure_(std::move(on_failure)),
      commit_seconds_(commit_seconds),
      open_(std::make_shared<Batch>()),
      writer_([this] { WriterLoop(); }) {}

CommitQueue::~CommitQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

CommitQueue::BatchRef CommitQueue::Add(std::vector<StorageWrite> writes) {
  absl::MutexLock lock(&mu_);
  std::vector<StorageWrite>& queued = open_->writes;
  if (queued.empty()) {
    queued = std::move(writes);
  } else {
    queued.insert(queued.end(), std::make_move_iterator(writes.begin()),
                  std::make_move_iterator(writes.end()));
  }
  return open_;
}

CommitQueue::BatchRef CommitQueue::Latest() {
  absl::MutexLock lock(&mu_);
  return open_->writes.empty() ? in_flight_ : open_;
}

void CommitQueue::FailOpenBatch(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  open_->writes.clear();
  open_->status = status;
  open_->done = true;
  open_ = std::make_shared<Batch>();
}

absl::Status CommitQueue::Wait(const BatchRef& batch) {
  if (batch == nullptr) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&batch->done));
  return batch->status;
}

void CommitQueue::WriterLoop() {
  while (true) {
    BatchRef batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !open_->writes.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (open_->writes.empty()) return;  // stopping, and nothing left to write
      batch = std::exchange(open_, std::make_shared<Batch>());
      in_flight_ = batch;
    }
    absl::Status status;
    {
      ScopedTimer timer(commit_seconds_);
      status = storage_->Write(batch->writes);
    }
    if (!status.ok()) on_failure_(status);
    absl::MutexLock lock(&mu_);
    batch->writes.clear();
    batch->status = status;
    batch->done = true;
    in_flight_ = nullptr;
  }
}

}  // namespace hpo::server
