#include "server/storage/commit_queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace hpo::server {
namespace {

using ::hpo::testing::StatusIs;

StorageWrite StateWrite(const std::string& study) {
  return StudyStateWrite{study, v1::Study::STOPPED, ""};
}

// Records each Write() call's study names. The first Write blocks until
// `release` is notified, so that the test can queue more meanwhile; writes
// naming "bad" fail.
class RecordingStorage : public Storage {
 public:
  absl::StatusOr<std::vector<StoredStudy>> LoadAll() override { return std::vector<StoredStudy>(); }
  absl::Status Write(absl::Span<const StorageWrite> writes) override {
    if (calls_++ == 0) release.WaitForNotification();
    std::vector<std::string> names;
    for (const StorageWrite& write : writes) {
      names.push_back(std::get<StudyStateWrite>(write).study_name);
    }
    absl::MutexLock lock(&mu_);
    batches_.push_back(names);
    for (const std::string& name : names) {
      if (name == "bad") return absl::UnavailableError("disk full");
    }
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

  absl::Notification release;

 private:
  std::atomic<int> calls_{0};
  absl::Mutex mu_;
  std::vector<std::vector<std::string>> batches_;
};

TEST(CommitQueueTest, WritesQueuedDuringACommitGoTogetherInTheNextOne) {
  RecordingStorage storage;
  CommitQueue queue(&storage, [](const absl::Status&) { FAIL() << "no commit should fail"; });
  EXPECT_EQ(queue.Latest(), nullptr);
  CommitQueue::BatchRef first = queue.Add({StateWrite("a")});
  // Wait until the writer holds "a", then queue two changes of two writes.
  while (queue.Add({}) == first) std::this_thread::yield();
  CommitQueue::BatchRef second = queue.Add({StateWrite("b"), StateWrite("c")});
  CommitQueue::BatchRef third = queue.Add({StateWrite("d")});
  EXPECT_EQ(second, third);
  EXPECT_EQ(queue.Latest(), second);
  storage.release.Notify();
  EXPECT_OK(queue.Wait(first));
  EXPECT_OK(queue.Wait(third));
  EXPECT_EQ(storage.batches(), (std::vector<std::vector<std::string>>{{"a"}, {"b", "c", "d"}}));
  EXPECT_EQ(queue.Latest(), nullptr);
}

TEST(CommitQueueTest, AFailedCommitFailsItsWaitersAndWhateverWasQueuedAfterIt) {
  RecordingStorage storage;
  CommitQueue* queue_ptr = nullptr;
  std::vector<absl::Status> failures;
  CommitQueue queue(&storage, [&](const absl::Status& status) {
    failures.push_back(status);
    queue_ptr->FailOpenBatch(status);  // as the coordinator does, before rebuilding its memory
  });
  queue_ptr = &queue;
  CommitQueue::BatchRef failing = queue.Add({StateWrite("bad")});
  while (queue.Add({}) == failing) std::this_thread::yield();
  CommitQueue::BatchRef after = queue.Add({StateWrite("e")});
  storage.release.Notify();
  EXPECT_THAT(queue.Wait(failing), StatusIs(absl::StatusCode::kUnavailable, "disk full"));
  EXPECT_THAT(queue.Wait(after), StatusIs(absl::StatusCode::kUnavailable, "disk full"));
  ASSERT_EQ(failures.size(), 1u);
  // "e" was never written: it depended on the failed change.
  EXPECT_EQ(storage.batches(), (std::vector<std::vector<std::string>>{{"bad"}}));
  // The queue carries on.
  EXPECT_OK(queue.Wait(queue.Add({StateWrite("f")})));
  EXPECT_EQ(storage.batches().back(), std::vector<std::string>{"f"});
}

TEST(CommitQueueTest, DestructionCommitsWhatIsQueued) {
  RecordingStorage storage;
  storage.release.Notify();
  {
    CommitQueue queue(&storage, [](const absl::Status&) {});
    queue.Add({StateWrite("a")});
  }
  EXPECT_EQ(storage.batches(), (std::vector<std::vector<std::string>>{{"a"}}));
}

}  // namespace
}  // namespace hpo::server
