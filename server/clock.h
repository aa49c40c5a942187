// The coordinator reads time only through Clock, so lease tests can move time
// by hand instead of sleeping.
#ifndef HPO_SERVER_CLOCK_H_
#define HPO_SERVER_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hpo::server {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. Thread-safe.
  virtual int64_t NowMs() = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'700'000'000'000) : now_ms_(now_ms) {}
  int64_t NowMs() override { return now_ms_.load(); }
  void AdvanceMs(int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_CLOCK_H_
