#include "server/lease_table.h"

#include <utility>

namespace hpo::server {

void LeaseTable::Grant(int64_t number, std::string lease_id, int64_t expire_time_ms) {
  absl::MutexLock lock(&mu_);
  leases_[number] = Lease{std::move(lease_id), expire_time_ms};
}

void LeaseTable::Release(int64_t number) {
  absl::MutexLock lock(&mu_);
  leases_.erase(number);
}

std::optional<LeaseTable::Renewal> LeaseTable::Renew(int64_t number, absl::string_view lease_id,
                                                     int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(number);
  if (it == leases_.end() || it->second.id != lease_id) return std::nullopt;
  it->second.expire_time_ms = now_ms + lease_ms_;
  return Renewal{it->second.expire_time_ms, should_stop_};
}

std::vector<int64_t> LeaseTable::TakeExpired(int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> expired;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.expire_time_ms <= now_ms) {
      expired.push_back(it->first);
      it = leases_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

std::string LeaseTable::LeaseId(int64_t number) const {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(number);
  return it == leases_.end() ? "" : it->second.id;
}

int64_t LeaseTable::ExpireTimeMs(int64_t number) const {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(number);
  return it == leases_.end() ? 0 : it->second.expire_time_ms;
}

std::vector<int64_t> LeaseTable::Leased() const {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> numbers;
  numbers.reserve(leases_.size());
  for (const auto& [number, lease] : leases_) numbers.push_back(number);
  return numbers;
}

void LeaseTable::SetTerms(int64_t lease_ms, bool should_stop) {
  absl::MutexLock lock(&mu_);
  lease_ms_ = lease_ms;
  should_stop_ = should_stop;
}

}  // namespace hpo::server
