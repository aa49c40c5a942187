// The trials a TPE sampler models, kept in the model's space from call to
// call: each trial's parameters as numbers, its status, the observations
// ranked best first and, per numeric parameter, the values sorted. Update()
// looks at every trial but reworks only those whose state changed since the
// last call, so a study's steady state (one more finished trial per call)
// costs O(n) comparisons and O(D n) moves, with no sort of the history.
//
// The space: a log parameter in log space; a step q widens the bounds by
// q/2; a categorical value is its choice's index. A log int is discrete on
// the grid of log(integer), each value's cell [log(v - 0.5), log(v + 0.5)]
// (log_grid, its integer bounds in grid_*).
//
// Thread-compatible.
#ifndef HPO_SERVER_SAMPLER_TPE_HISTORY_H_
#define HPO_SERVER_SAMPLER_TPE_HISTORY_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"

namespace hpo::server {

class TpeHistory {
 public:
  // kComplete: COMPLETE with a value. kAbsent: not an observation (FAILED,
  // WAITING, unparsable params, or no trial of that number).
  enum class Status : uint8_t { kAbsent, kRunning, kComplete, kPruned };
  enum class Kind : uint8_t { kContinuous, kDiscrete, kCategorical };

  // One parameter in the model's space.
  struct Dim {
    Kind kind;
    double low;
    double high;
    double q = 0;
    bool log_grid = false;
    double grid_low = 0;
    double grid_high = 0;
    int64_t n_choices = 0;
    const v1::ParamSpec* spec = nullptr;  // into spec()
  };

  // Takes the space of `spec`'s params and direction. When they differ from
  // the last call's, every trial is forgotten (and generation() changes).
  // INVALID_ARGUMENT naming the parameter for a bad distribution or a
  // duplicate name.
  absl::Status SyncSpec(const v1::StudySpec& spec);
  // Brings the observations up to `history`. Finished trials are assumed not
  // to change (the coordinator guarantees it); a history whose largest trial
  // number is below the last call's belongs to another study and starts over.
  void Update(absl::Span<const v1::Trial> history);

  const v1::StudySpec& spec() const { return spec_; }
  const std::vector<Dim>& dims() const { return dims_; }
  // Changes whenever the trials held are forgotten: caches keyed by trial
  // number are stale then.
  uint64_t generation() const { return generation_; }
  // The trials that became observations (left kAbsent) in the last Update():
  // their obs() are new.
  const std::vector<int64_t>& added() const { return added_; }
  // At least 1 + the largest trial number held: status() and obs() take any
  // number below it (kAbsent where there is no trial).
  int64_t slots() const { return static_cast<int64_t>(status_.size()); }
  Status status(int64_t number) const { return status_[number]; }
  // Trial `number`'s value of parameter `d`, in the model's space (not
  // kAbsent trials only).
  double obs(int64_t number, size_t d) const { return obs_[number * dims_.size() + d]; }
  // COMPLETE and PRUNED observations.
  int64_t finished() const {
    return static_cast<int64_t>(complete_rank_.size() + pruned_rank_.size());
  }
  // The numbers of the `n` best observations other than `exclude`, best
  // first: COMPLETE ones by value (NaN last), then PRUNED ones by the furthest
  // step reached and the value there (none reported: last). Appended to `out`.
  void AppendBest(int64_t n, int64_t exclude, std::vector<int64_t>* out) const;
  // For a numeric parameter `d`: (value, number) of every trial that is not
  // kAbsent, ascending.
  const std::vector<std::pair<double, int64_t>>& sorted(size_t d) const { return sorted_[d]; }

 private:
  void Reset();
  void Observe(const v1::Trial& trial);
  bool ParseParams(const v1::Trial& trial, double* out) const;
  void MergePending();
  void EraseSorted(int64_t number);
  void InsertRanking(int64_t number, const v1::Trial& trial);
  void EraseRanking(int64_t number);

  std::string spec_key_;  // serialised params and direction of spec_
  v1::StudySpec spec_;
  std::vector<Dim> dims_;
  uint64_t generation_ = 0;
  size_t history_size_ = 0;  // 1 + the largest trial number of the last call

  // Per trial number.
  std::vector<Status> status_;
  std::vector<int32_t> seen_state_;  // the v1::Trial::State last seen, -1 never
  std::vector<double> obs_;          // number * D + d
  std::vector<int64_t> added_;

  // Observations ranked best first: (score, number) for COMPLETE trials and
  // (-last step, score, number) for PRUNED ones (no steps: (1, 0)).
  std::vector<std::pair<double, int64_t>> complete_rank_;
  std::vector<std::tuple<double, double, int64_t>> pruned_rank_;
  std::vector<std::vector<std::pair<double, int64_t>>> sorted_;  // by dimension
  // Entries observed in this call, merged into the above before use.
  std::vector<int64_t> pending_sorted_;
  std::vector<std::pair<double, int64_t>> pending_complete_;
  std::vector<std::tuple<double, double, int64_t>> pending_pruned_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_TPE_HISTORY_H_
