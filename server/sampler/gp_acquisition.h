// The GP sampler's next point: where log expected improvement is highest.
// As Optuna 4.9's GPSampler does it: quasi-random (Sobol) candidates over the
// space, then local searches from the extra starts (the best trial), the
// best candidate and others chosen by roulette on the acquisition. Each
// round moves the continuous coordinates by L-BFGS-B (preconditioned by the
// model's lengthscales), tries every level of a categorical or a discrete
// coordinate with few levels (a random 64 per round when a categorical has
// more), and line-searches a discrete coordinate with many levels (golden
// section over the levels); rounds go on until one improves nothing.
#ifndef HPO_SERVER_SAMPLER_GP_ACQUISITION_H_
#define HPO_SERVER_SAMPLER_GP_ACQUISITION_H_

#include <cstdint>
#include <vector>

#include "server/sampler/gp_model.h"
#include "server/sampler/gp_space.h"

namespace hpo::server {

struct AcquisitionOptions {
  int candidates = 2048;    // Sobol points
  int local_searches = 10;  // from the best candidate and roulette picks
  // Discrete coordinates with at most this many values are searched
  // exhaustively; others as continuous ones.
  int64_t max_exhaustive_levels = 16;
  // A categorical with more choices than this has that many of them, drawn
  // at random, tried per round: a suggestion's cost stays bounded however
  // large a study's categoricals are.
  int64_t max_choices_per_round = 64;
};

// log EI at `point` over `best` (standardised, larger is better).
double LogEiAt(const GpModel& model, const Eigen::VectorXd& point, double best);

// The point (on the space's grid) that maximises log EI over `best`;
// every one of `extra_starts` (e.g. the best trial so far) starts a local
// search. The candidates and roulette depend on `seed` alone.
Eigen::VectorXd MaximizeLogEi(const GpModel& model, const GpSpace& space, double best,
                              const std::vector<Eigen::VectorXd>& extra_starts, uint64_t seed,
                              const AcquisitionOptions& options = {});

}  // namespace hpo::server

#endif  // HPO_SERVER_SAMPLER_GP_ACQUISITION_H_
