// Tree-structured Parzen Estimator, as Optuna's TPESampler (4.9 semantics;
// see /work/shared/reference/algorithms.md), except that multivariate mode
// follows Optuna 5: a joint kernel's bandwidth along each dimension is the
// univariate neighbour-gap one (with magic clip), not 0.2 n^(-1/(D+4)) of
// the range. Built for a long-lived service:
// the sampler keeps its observations, rankings and sorted centres from call
// to call and updates them only for trials whose state changed, so one
// suggestion costs O(n) bookkeeping plus O(candidates * D * n) kernel
// evaluations, with no sort of the history.
#ifndef HPO_SERVER_SAMPLER_TPE_SAMPLER_H_
#define HPO_SERVER_SAMPLER_TPE_SAMPLER_H_

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/spec_validator.h"
#include "server/sampler/random_sampler.h"
#include "server/sampler/sampler.h"

namespace hpo::server {

// Settings with Optuna's names and defaults, except constant_liar (on: a
// service hands out trials to many workers at once).
struct TpeOptions {
  int32_t n_startup_trials = 10;  // random trials before the model is used
  int32_t n_ei_candidates = kDefaultTpeEiCandidates;  // draws from l(x) scored by log l - log g
  double gamma = 0.1;             // n_below = min(ceil(gamma * n), 25)
  double prior_weight = 1.0;
  bool multivariate = false;  // joint kernels instead of one model per parameter
  bool constant_liar = true;  // RUNNING trials join the "above" group
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
};

// The options a (validated) SamplerSpec asks for, defaults where unset.
TpeOptions TpeOptionsFromSpec(const v1::SamplerSpec& spec);

// Startup trials are drawn by RandomSampler with the same seed, so they are
// exactly the random sampler's. After that, a trial's values depend only on
// (seed, trial number, the finished and running trials in `history`), never
// on the cache's past: the same history gives the same suggestion.
//
// Only COMPLETE (with a value) and PRUNED trials are observations; RUNNING
// ones join "above" under constant liar; FAILED and WAITING are ignored.
// Finished trials are assumed not to change (the coordinator guarantees it);
// a history that shrinks or a spec whose params change resets the cache.
// Thread-compatible (the coordinator serialises calls per study).
class TpeSampler : public Sampler {
 public:
  TpeSampler(uint64_t seed, TpeOptions options);

  absl::StatusOr<ParamMap> Sample(const v1::StudySpec& spec, absl::Span<const v1::Trial> history,
                                  int64_t trial_number) override;

 private:
  enum class Status : uint8_t { kAbsent, kRunning, kComplete, kPruned };
  enum class Kind : uint8_t { kContinuous, kDiscrete, kCategorical };

  // One parameter in the model's space: log parameters in log space, a step
  // q widens the bounds by q/2, a categorical value is its choice's index.
  // A log int is discrete on the grid of log(integer), each value's cell
  // [log(v - 0.5), log(v + 0.5)] (log_grid, its integer bounds in grid_*).
  struct Dim {
    Kind kind;
    double low;
    double high;
    double q = 0;
    bool log_grid = false;
    double grid_low = 0;
    double grid_high = 0;
    int64_t n_choices = 0;
    const v1::ParamSpec* spec = nullptr;  // into spec_
  };

  // A group's mixture along one dimension, kernels in any fixed order with
  // the prior last.
  struct Mixture1d {
    std::vector<double> mu, sigma, inv_sigma, log_norm, log_weight;
    // log_weight - log(sigma) - log(sqrt(2 pi)) - log_norm: the constant of a
    // continuous kernel's log density.
    std::vector<double> c;
  };

  // A group's joint model: per dimension its centres and bandwidths (trial
  // order, prior last), categorical kernels, and each kernel's constant.
  struct JointModel {
    std::vector<Mixture1d> mix;                // by dimension; unused for categorical
    std::vector<std::vector<double>> cat;      // by dimension: choice index per kernel
    std::vector<double> log_match, log_other;  // by dimension (categorical)
    std::vector<double> c;                     // per kernel
  };

  struct Group {
    std::vector<int64_t> numbers;     // trial order
    std::vector<double> log_weights;  // with the prior last
  };

  absl::Status SyncSpec(const v1::StudySpec& spec);
  void Reset();
  void Observe(const v1::Trial& trial);
  bool ParseParams(const v1::Trial& trial, double* out) const;
  void InsertSorted(int64_t number);
  void MergePending();
  void EraseSorted(int64_t number);
  void InsertRanking(int64_t number, const v1::Trial& trial);
  void EraseRanking(int64_t number);
  void BuildGroups(int64_t trial_number);

  double LogNormCached(int64_t number, size_t d, double sigma);
  // The group's kernels along numeric dimension d with univariate
  // bandwidths, the prior last. Below: trial order. Above: ascending centres,
  // or trial order when `trial_order` (joint kernels).
  void BuildBelow1d(size_t d, Mixture1d* m);
  void BuildAbove1d(size_t d, bool trial_order, Mixture1d* m);
  // The interval of the model's space that a discrete value x stands for.
  struct Cell {
    double lower;
    double upper;
  };
  Cell CellOf(size_t d, double x) const;
  double DrawFromKernel(size_t d, const Mixture1d& m, size_t k, std::mt19937_64& engine) const;
  double LogMixture1d(size_t d, const Mixture1d& m, double x);
  void BuildJoint(const std::vector<size_t>& modelled, bool below, JointModel* model);
  double LogJoint(const std::vector<size_t>& modelled, const JointModel& model, size_t n,
                  const std::vector<double>& x);
  v1::ParamValue ToParamValue(size_t d, double x) const;

  ParamMap SampleIndependent(int64_t trial_number);
  ParamMap SampleJoint(int64_t trial_number);

  uint64_t seed_;
  TpeOptions options_;
  RandomSampler random_;

  std::string spec_key_;  // serialised params of the spec the cache was built for
  v1::StudySpec spec_;
  std::vector<Dim> dims_;
  size_t history_size_ = 0;  // 1 + the largest trial number seen

  // Per trial number.
  std::vector<Status> status_;
  std::vector<int32_t> seen_state_;   // the v1::Trial::State last seen, -1 never
  std::vector<double> obs_;           // number * D + d
  std::vector<double> cached_sigma_;  // number * D + d: kernel normaliser cache
  std::vector<double> cached_log_norm_;

  // Observations ranked best first: (score, number) for COMPLETE trials and
  // (-last step, score, number) for PRUNED ones (no steps: (1, 0)).
  std::vector<std::pair<double, int64_t>> complete_rank_;
  std::vector<std::tuple<double, double, int64_t>> pruned_rank_;
  // Per numeric dimension: (value, number) of every trial that is not
  // kAbsent, ascending.
  std::vector<std::vector<std::pair<double, int64_t>>> sorted_;
  // Entries observed in this call, merged into the above before use.
  std::vector<int64_t> pending_sorted_;
  std::vector<std::pair<double, int64_t>> pending_complete_;
  std::vector<std::tuple<double, double, int64_t>> pending_pruned_;

  // Scratch of one call.
  std::vector<int8_t> group_of_;   // 0 none, 1 below, 2 above
  std::vector<int32_t> position_;  // index in its group's trial order
  Group below_, above_;
  std::vector<double> scratch_terms_;
  std::vector<int64_t> scratch_numbers_;
  std::vector<double> scratch_sorted_mu_, scratch_sorted_sigma_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_TPE_SAMPLER_H_
