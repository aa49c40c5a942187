// What the GP sampler fits, and how each fit reuses an earlier one while
// every suggestion stays a function of the seed and the history alone.
//
// The data (SelectGpData): the first n COMPLETE trials in number order, all
// of them up to `max_trials`; beyond that the best half of the cap plus the
// others evenly spread over the trial numbers, so that a suggestion's cost
// stops growing with the study. Values are standardised over what is kept.
//
// The fits (GpFitChain): the fit to the first n trials starts from the fit to
// the first Anchor(n) of them - n with its lowest set bit cleared, or n / 2
// when n is a power of two - and so on down to the defaults. As the study
// grows by one trial, n's anchor is one of the fits the previous suggestion
// made (kept, with the data each was made from), so a suggestion usually
// costs one warm-started fit; a fresh sampler (after a coordinator restart)
// remakes the chain, about log2(n) fits, and gets the same parameters. A
// trial that completes out of order changes the data of the longer prefixes,
// which are then fitted again.
//
// Thread-compatible.
#ifndef HPO_SERVER_SAMPLER_GP_FIT_CHAIN_H_
#define HPO_SERVER_SAMPLER_GP_FIT_CHAIN_H_

#include <map>
#include <vector>

#include "Eigen/Core"
#include "server/sampler/gp_model.h"

namespace hpo::server {

// A GP's training data: one row of x per trial, standardised values y.
struct GpData {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
};

// The data for the first `n` rows of (x, values) - values signed so that
// larger is better - with at most `max_trials` of them (see above).
GpData SelectGpData(const Eigen::MatrixXd& x, const Eigen::VectorXd& values, int n, int max_trials);

class GpFitChain {
 public:
  // Prefixes shorter than `min_fit` are not fitted: their "fit" is the
  // defaults.
  GpFitChain(int min_fit, int max_trials, bool deterministic_objective);

  // The MAP parameters for *data = SelectGpData(x, values, n, max_trials).
  GpParams Fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& values,
               const std::vector<bool>& categorical, int n, GpData* data);

  // The prefix whose fit the fit to `n` trials starts from.
  static int Anchor(int n);

  // Fits made so far, for tests: those made again would show here.
  int fits_made() const { return fits_made_; }

 private:
  struct Entry {
    GpData data;
    std::vector<bool> categorical;
    GpParams params;
  };

  GpParams FitPrefix(const Eigen::MatrixXd& x, const Eigen::VectorXd& values,
                     const std::vector<bool>& categorical, int n, std::map<int, Entry>* kept);

  const int min_fit_;
  const int max_trials_;
  const bool deterministic_;
  std::map<int, Entry> entries_;  // by prefix length: the last suggestion's chain
  int fits_made_ = 0;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_GP_FIT_CHAIN_H_
