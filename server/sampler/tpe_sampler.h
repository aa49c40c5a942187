// Tree-structured Parzen Estimator, as Optuna's TPESampler (4.9 semantics;
// see /work/shared/reference/algorithms.md), except that multivariate mode
// follows Optuna 5: a joint kernel's bandwidth along each dimension is the
// univariate neighbour-gap one (with magic clip), not 0.2 n^(-1/(D+4)) of
// the range. Built for a long-lived service:
// its TpeHistory keeps the observations, rankings and sorted centres from
// call to call and updates them only for trials whose state changed, so one
// suggestion costs O(n) bookkeeping plus O(candidates * D * n) kernel
// evaluations, with no sort of the history. This file is the Parzen model
// built on that history.
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
#include "server/sampler/tpe_history.h"

namespace hpo::server {

// Settings with Optuna 4.9's names and defaults, except constant_liar (on: a
// service hands out trials to many workers at once) and multivariate (on, as
// Optuna's master for single-objective studies: ahead of independent mode on
// most functions of our quality benchmark).
struct TpeOptions {
  int32_t n_startup_trials = 10;                      // random trials before the model is used
  int32_t n_ei_candidates = kDefaultTpeEiCandidates;  // draws from l(x) scored by log l - log g
  double gamma = 0.1;                                 // n_below = min(ceil(gamma * n), 25)
  double prior_weight = 1.0;
  bool multivariate = true;   // joint kernels; false: one model per parameter
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
  using Status = TpeHistory::Status;
  using Kind = TpeHistory::Kind;
  using Dim = TpeHistory::Dim;

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

  TpeHistory history_;
  // Per trial number * D + d: the log mass inside the bounds of the kernel
  // at the trial's value with bandwidth sigma (-1: none yet), for the
  // history's generation.
  struct NormCache {
    double sigma = -1.0;
    double log_norm = 0;
  };
  uint64_t cache_generation_ = 0;
  std::vector<NormCache> norm_cache_;

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
