// What the web page plots, taken from a study at one moment: its COMPLETE
// trials as columns and the learning curves of a few trials. Taking one
// copies those columns and walks a bounded number of trials, under the
// study's lock; everything else (sorting, downsampling, importance) is done
// on the copy, after the lock is released.
#ifndef HPO_SERVER_ANALYSIS_STUDY_SNAPSHOT_H_
#define HPO_SERVER_ANALYSIS_STUDY_SNAPSHOT_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "hpo/v1/study.pb.h"
#include "hpo/v1/trial.pb.h"
#include "server/analysis/completed_trials.h"

namespace hpo::server {

struct StudyState;

using Point = std::pair<int64_t, double>;  // (trial number or step, value)

struct Curve {
  int64_t number = 0;
  v1::Trial::State state = v1::Trial::STATE_UNSPECIFIED;
  std::vector<Point> steps;  // (step, value), at most kMaxCurveSteps
};

struct StudySnapshot {
  static constexpr int kMaxCurves = 100;
  static constexpr int kMaxCurveSteps = 200;

  uint64_t revision = 0;  // StudyState::revision() when taken
  int64_t taken_ms = 0;
  v1::StudySpec spec;
  CompletedTrials completed;  // in trial number order once Finish()ed
  // The best trials by value and the most recent ones with intermediate
  // values, at most kMaxCurves, in number order.
  std::vector<Curve> curves;

  // Under the study's lock.
  static StudySnapshot Take(const StudyState& study, int64_t now_ms);
  // Without it: sorts `completed` by trial number.
  void Finish();
};

struct History {
  std::vector<Point> points;  // COMPLETE trials, at most about max_points
  std::vector<Point> best;    // where the best value so far changes, by number
};

// The optimisation history of a Finish()ed snapshot: all COMPLETE trials when
// they are at most `max_points`, else the lowest and highest value of each of
// max_points / 2 runs of consecutive trials, so that outliers stay visible.
History OptimizationHistory(const StudySnapshot& snapshot, size_t max_points);

}  // namespace hpo::server

#endif  // HPO_SERVER_ANALYSIS_STUDY_SNAPSHOT_H_
