#include "server/analysis/study_snapshot.h"

#include <algorithm>
#include <numeric>

#include "absl/container/flat_hash_set.h"
#include "server/study_state.h"

namespace hpo::server {
namespace {

// Trials walked back from the newest to find recent curves.
constexpr int64_t kMaxTrialsWalked = 4 * StudySnapshot::kMaxCurves;

Curve CurveOf(const v1::Trial& trial) {
  Curve curve{trial.number(), trial.state(), {}};
  const auto& steps = trial.intermediate_values();
  const int n = steps.size();
  const int stride = (n + StudySnapshot::kMaxCurveSteps - 1) / StudySnapshot::kMaxCurveSteps;
  for (int i = 0; i < n; i += std::max(stride, 1)) {
    curve.steps.emplace_back(steps[i].step(), steps[i].value());
  }
  // The last step always: where a pruned trial stopped.
  if (n > 0 && curve.steps.back().first != steps[n - 1].step()) {
    curve.steps.back() = {steps[n - 1].step(), steps[n - 1].value()};
  }
  return curve;
}

}  // namespace

StudySnapshot StudySnapshot::Take(const StudyState& study, int64_t now_ms) {
  StudySnapshot snapshot;
  snapshot.revision = study.revision();
  snapshot.taken_ms = now_ms;
  snapshot.spec = study.study.spec();
  const CompletedTrials& completed = study.completed();
  snapshot.completed = completed;

  absl::flat_hash_set<int64_t> chosen;
  // The best half by value...
  std::vector<size_t> order(completed.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t best = std::min<size_t>(order.size(), kMaxCurves / 2);
  const bool maximize = snapshot.spec.direction() == v1::MAXIMIZE;
  std::partial_sort(order.begin(), order.begin() + best, order.end(), [&](size_t a, size_t b) {
    return maximize ? completed.values[a] > completed.values[b]
                    : completed.values[a] < completed.values[b];
  });
  for (size_t i = 0; i < best; ++i) chosen.insert(completed.numbers[order[i]]);
  // ...and the newest with intermediate values.
  const int64_t total = static_cast<int64_t>(study.trials.size());
  for (int64_t number = total - 1;
       number >= 0 && number >= total - kMaxTrialsWalked &&
       static_cast<int>(chosen.size()) < kMaxCurves;
       --number) {
    if (!study.trials[number].intermediate_values().empty()) chosen.insert(number);
  }
  for (int64_t number : chosen) {
    if (!study.trials[number].intermediate_values().empty()) {
      snapshot.curves.push_back(CurveOf(study.trials[number]));
    }
  }
  return snapshot;
}

void StudySnapshot::Finish() {
  std::sort(curves.begin(), curves.end(),
            [](const Curve& a, const Curve& b) { return a.number < b.number; });
  const size_t n = completed.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return completed.numbers[a] < completed.numbers[b]; });
  CompletedTrials sorted;
  sorted.params.resize(completed.params.size());
  for (size_t i : order) {
    sorted.numbers.push_back(completed.numbers[i]);
    sorted.values.push_back(completed.values[i]);
    for (size_t p = 0; p < completed.params.size(); ++p) {
      sorted.params[p].push_back(completed.params[p][i]);
    }
  }
  completed = std::move(sorted);
}

History OptimizationHistory(const StudySnapshot& snapshot, size_t max_points) {
  History history;
  const CompletedTrials& trials = snapshot.completed;
  const bool maximize = snapshot.spec.direction() == v1::MAXIMIZE;
  const size_t n = trials.size();
  for (size_t i = 0; i < n; ++i) {
    const double value = trials.values[i];
    if (history.best.empty() ||
        (maximize ? value > history.best.back().second : value < history.best.back().second)) {
      history.best.emplace_back(trials.numbers[i], value);
    }
  }
  const size_t runs = std::max<size_t>(max_points / 2, 1);
  if (n <= max_points) {
    for (size_t i = 0; i < n; ++i) history.points.emplace_back(trials.numbers[i], trials.values[i]);
    return history;
  }
  const size_t run_length = (n + runs - 1) / runs;
  for (size_t start = 0; start < n; start += run_length) {
    const size_t end = std::min(n, start + run_length);
    size_t low = start, high = start;
    for (size_t i = start; i < end; ++i) {
      if (trials.values[i] < trials.values[low]) low = i;
      if (trials.values[i] > trials.values[high]) high = i;
    }
    const size_t first = std::min(low, high), second = std::max(low, high);
    history.points.emplace_back(trials.numbers[first], trials.values[first]);
    if (second != first) history.points.emplace_back(trials.numbers[second], trials.values[second]);
  }
  return history;
}

}  // namespace hpo::server
