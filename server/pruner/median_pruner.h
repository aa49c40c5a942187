// Optuna's MedianPruner: stop a trial whose best value so far is worse than
// the median of the COMPLETE trials' values at the same step.
#ifndef HPO_SERVER_PRUNER_MEDIAN_PRUNER_H_
#define HPO_SERVER_PRUNER_MEDIAN_PRUNER_H_

#include "server/pruner/pruner.h"

namespace hpo::server {

class MedianPruner : public Pruner {
 public:
  // `pruner` holds the median settings with defaults applied.
  MedianPruner(const v1::PrunerSpec& pruner, v1::Direction direction)
      : settings_(pruner), maximize_(direction == v1::MAXIMIZE) {}

  bool ShouldPrune(absl::Span<const v1::Trial> trials, const v1::Trial& trial,
                   int64_t step) const override;

 private:
  const v1::PrunerSpec settings_;
  const bool maximize_;
};

// The median as numpy's percentile(50) computes it: the mean of the two
// middle values for an even count. `values` must not be empty.
double Median(std::vector<double> values);

}  // namespace hpo::server

#endif  // HPO_SERVER_PRUNER_MEDIAN_PRUNER_H_
