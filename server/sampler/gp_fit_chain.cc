#include "server/sampler/gp_fit_chain.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace hpo::server {
namespace {

bool SameData(const GpData& a, const GpData& b) {
  return a.x.rows() == b.x.rows() && a.x.cols() == b.x.cols() && a.x == b.x && a.y == b.y;
}

}  // namespace

GpData SelectGpData(const Eigen::MatrixXd& x, const Eigen::VectorXd& values, int n,
                    int max_trials) {
  std::vector<int> kept(n);
  std::iota(kept.begin(), kept.end(), 0);
  if (n > max_trials) {
    // The best half of the cap (the lower number wins a tie)...
    std::vector<int> by_value = kept;
    const int best = max_trials / 2;
    std::partial_sort(by_value.begin(), by_value.begin() + best, by_value.end(), [&](int a, int b) {
      return values[a] > values[b] || (values[a] == values[b] && a < b);
    });
    std::vector<bool> taken(n, false);
    for (int i = 0; i < best; ++i) taken[by_value[i]] = true;
    // ... and the rest of it evenly spaced over the others, in number order.
    std::vector<int> others;
    for (int i = 0; i < n; ++i) {
      if (!taken[i]) others.push_back(i);
    }
    const int spread = max_trials - best;
    for (int j = 0; j < spread; ++j) {
      taken[others[static_cast<size_t>(j) * others.size() / spread]] = true;
    }
    kept.clear();
    for (int i = 0; i < n; ++i) {
      if (taken[i]) kept.push_back(i);
    }
  }
  GpData data;
  data.x = x(kept, Eigen::all);
  data.y = values(kept);
  // Standardised; a constant objective has no scale to learn.
  const double mean = data.y.mean();
  const double std_dev = std::sqrt((data.y.array() - mean).square().mean());
  data.y = (data.y.array() - mean) / (std_dev > 0 ? std_dev : 1.0);
  return data;
}

GpFitChain::GpFitChain(int min_fit, int max_trials, bool deterministic_objective)
    : min_fit_(std::max(min_fit, 1)),
      max_trials_(std::max(max_trials, 2)),
      deterministic_(deterministic_objective) {}

int GpFitChain::Anchor(int n) {
  const int cleared = n & (n - 1);
  return cleared > 0 ? cleared : n / 2;
}

GpParams GpFitChain::Fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& values,
                         const std::vector<bool>& categorical, int n, GpData* data) {
  std::map<int, Entry> kept;
  GpParams params = FitPrefix(x, values, categorical, n, &kept);
  entries_ = std::move(kept);
  auto it = entries_.find(n);
  *data = it != entries_.end() ? it->second.data : SelectGpData(x, values, n, max_trials_);
  return params;
}

GpParams GpFitChain::FitPrefix(const Eigen::MatrixXd& x, const Eigen::VectorXd& values,
                               const std::vector<bool>& categorical, int n,
                               std::map<int, Entry>* kept) {
  const int dims = static_cast<int>(x.cols());
  if (n < min_fit_) return GpParams::Default(dims);
  GpData data = SelectGpData(x, values, n, max_trials_);
  if (auto it = entries_.find(n); it != entries_.end() && it->second.categorical == categorical &&
                                  SameData(it->second.data, data)) {
    GpParams params = it->second.params;
    kept->insert(entries_.extract(it));
    // Its anchors stay too: the next prefix may start from one of them.
    FitPrefix(x, values, categorical, Anchor(n), kept);
    return params;
  }
  const GpParams start = FitPrefix(x, values, categorical, Anchor(n), kept);
  GpParams params = FitGpParams(data.x, data.y, categorical, start, deterministic_);
  ++fits_made_;
  (*kept)[n] = Entry{std::move(data), categorical, params};
  return params;
}

}  // namespace hpo::server
