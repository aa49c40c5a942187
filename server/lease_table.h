// The leases of one study's RUNNING trials: the lease_id each is held under
// and when it expires, with the terms a renewal gets (how long it lasts,
// whether the study asks its workers to stop).
//
// It has a lock of its own, so that a heartbeat renews a lease without the
// study's lock, which a sampler may hold through a long suggestion. In
// memory only: a restarted coordinator grants every RUNNING trial's lease
// afresh from the lease_id stored with it.
#ifndef HPO_SERVER_LEASE_TABLE_H_
#define HPO_SERVER_LEASE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace hpo::server {

class LeaseTable {
 public:
  struct Renewal {
    int64_t expire_time_ms = 0;
    bool should_stop = false;
  };

  // Trial `number` is held under `lease_id` until `expire_time_ms`.
  void Grant(int64_t number, std::string lease_id, int64_t expire_time_ms);
  // Trial `number` holds no lease (any more).
  void Release(int64_t number);
  // Extends trial `number`'s lease to `now_ms` plus the lease length, if
  // `lease_id` holds it (expired or not: until it is taken by TakeExpired it
  // is still held); nullopt if it does not.
  std::optional<Renewal> Renew(int64_t number, absl::string_view lease_id, int64_t now_ms);
  // Ends every lease that expires at or before `now_ms`, at once (a renewal
  // cannot come between), and returns their trials' numbers in order.
  std::vector<int64_t> TakeExpired(int64_t now_ms);

  // The lease_id trial `number` is held under, "" for none.
  std::string LeaseId(int64_t number) const;
  // When trial `number`'s lease expires, 0 for none.
  int64_t ExpireTimeMs(int64_t number) const;
  // The numbers of the leased trials, in order.
  std::vector<int64_t> Leased() const;

  // What renewals get from now on: a lease of `lease_ms`, and `should_stop`.
  void SetTerms(int64_t lease_ms, bool should_stop);

 private:
  struct Lease {
    std::string id;
    int64_t expire_time_ms = 0;
  };

  mutable absl::Mutex mu_;
  absl::btree_map<int64_t, Lease> leases_ ABSL_GUARDED_BY(mu_);
  int64_t lease_ms_ ABSL_GUARDED_BY(mu_) = 0;
  bool should_stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_LEASE_TABLE_H_
