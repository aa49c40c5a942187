#include "server/analysis/ped_anova.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/search_space.h"

namespace hpo::server {
namespace {

constexpr double kTargetQuantile = 0.1;
constexpr int kGridSteps = 50;
constexpr double kPriorWeight = 1.0;

// Where a param's values fall: grid cells 0 .. size - 1.
struct Grid {
  int size = 1;
  bool categorical = false;
  bool log = false;
  double low = 0, high = 0;  // after the log, for numbers

  int Cell(double x) const {
    if (categorical) return static_cast<int>(x);
    const double t = log ? std::log(x) : x;
    const double width = (high - low) / (size - 1);
    const int cell = static_cast<int>(std::ceil((t - low) / width - 0.5));  // ties go down
    return std::clamp(cell, 0, size - 1);
  }
};

Grid GridOf(const v1::ParamSpec& param) {
  Grid grid;
  if (param.has_categorical_distribution()) {
    grid.categorical = true;
    grid.size = param.categorical_distribution().choices_size();
    return grid;
  }
  double low, high;
  int steps = kGridSteps;
  if (param.has_float_distribution()) {
    const v1::FloatDistribution& d = param.float_distribution();
    low = d.low();
    high = d.high();
    grid.log = d.log();
    if (d.step() > 0) steps = std::min<int64_t>(FloatGridMaxIndex(d) + 1, steps);
  } else {
    const v1::IntDistribution& d = param.int_distribution();
    low = static_cast<double>(d.low());
    high = static_cast<double>(d.high());
    grid.log = d.log();
    if (d.log()) {
      steps = std::min<int>(static_cast<int>(std::ceil(std::log2(high - low + 1))) + 1, steps);
    } else {
      steps = std::min<int64_t>((d.high() - d.low()) / EffectiveIntStep(d) + 1, steps);
    }
  }
  grid.low = grid.log ? std::log(low) : low;
  grid.high = grid.log ? std::log(high) : high;
  grid.size = high > low ? steps : 1;
  return grid;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Probability of each cell under a normal (mu, sigma) rounded to the cells
// and truncated to them, added to `pdf` with `weight`.
void AddDiscreteNormal(double mu, double sigma, double weight, std::vector<double>& pdf) {
  const int n = static_cast<int>(pdf.size());
  const double mass = NormalCdf((n - 0.5 - mu) / sigma) - NormalCdf((-0.5 - mu) / sigma);
  if (mass <= 0) return;
  for (int x = 0; x < n; ++x) {
    pdf[x] += weight * (NormalCdf((x + 0.5 - mu) / sigma) - NormalCdf((x - 0.5 - mu) / sigma)) /
              mass;
  }
}

// A Parzen estimator of cell counts, evaluated on every cell: one kernel per
// occupied cell, weighted by its count, and a wide prior kernel of weight 1.
// Numbers: discrete normals, bandwidth by Scott's rule (at least 0.5 / 1.64
// cells, so 90% of a kernel lies in its cell's neighbourhood). Categories:
// the observed choice plus a share of the prior on every choice.
std::vector<double> ParzenPdf(const std::vector<double>& counts, bool categorical) {
  const int n = static_cast<int>(counts.size());
  std::vector<int> cells;
  for (int x = 0; x < n; ++x) {
    if (counts[x] > 0) cells.push_back(x);
  }
  std::vector<double> pdf(n, 0.0);
  if (cells.empty()) return std::vector<double>(n, 1.0 / n);
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const double norm = total + kPriorWeight;
  if (categorical) {
    const double kernels = static_cast<double>(cells.size()) + 1;
    const double row_sum = n * kPriorWeight / kernels + 1;
    for (int c : cells) {
      for (int x = 0; x < n; ++x) {
        pdf[x] += counts[c] / norm * (kPriorWeight / kernels + (x == c ? 1 : 0)) / row_sum;
      }
    }
    for (int x = 0; x < n; ++x) pdf[x] += kPriorWeight / norm / n;
    return pdf;
  }
  double mean = 0;
  for (int c : cells) mean += c * counts[c];
  mean /= total;
  double var = 0;
  for (int c : cells) var += counts[c] * (c - mean) * (c - mean);
  double sigma = std::sqrt(var / std::max(1.0, total - 1));
  // The interquartile range of the weighted cells.
  const double q1 = std::floor(total / 4), q3 = std::floor(total * 3 / 4);
  size_t i1 = 0, i3 = 0;
  double cumulative = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const double before = cumulative;
    cumulative += counts[cells[i]];
    if (before < q1 && cumulative >= q1) i1 = i;
    if (cumulative <= q3) i3 = i + 1;
  }
  if (q1 <= 0) i1 = 0;
  const double iqr = cells[std::min(cells.size() - 1, i3)] - cells[i1];
  sigma = 1.059 * std::min(iqr / 1.34, sigma) * std::pow(total, -0.2);
  sigma = std::max(sigma, 0.5 / 1.64);
  for (int c : cells) AddDiscreteNormal(c, sigma, counts[c] / norm, pdf);
  AddDiscreteNormal((n - 1) / 2.0, n, kPriorWeight / norm, pdf);
  return pdf;
}

// Pearson divergence of the top trials' estimate from all trials'.
double Divergence(const std::vector<double>& top, const std::vector<double>& all,
                  bool categorical) {
  const std::vector<double> p_top = ParzenPdf(top, categorical);
  const std::vector<double> p_all = ParzenPdf(all, categorical);
  double divergence = 0;
  for (size_t x = 0; x < top.size(); ++x) {
    const double local = p_all[x] + 1e-12;
    const double ratio = (p_top[x] + 1e-12) / local - 1;
    divergence += local * ratio * ratio;
  }
  return divergence;
}

}  // namespace

std::vector<ParamImportance> PedAnovaImportances(const v1::StudySpec& spec,
                                                 const CompletedTrials& trials) {
  std::vector<ParamImportance> result;
  for (const v1::ParamSpec& param : spec.params()) result.push_back({param.name(), 0.0});
  const size_t n = trials.size();
  if (n < 2) return result;
  // The top quantile: every trial at least as good as the ceil(0.1 n)-th best.
  const double sign = spec.direction() == v1::MAXIMIZE ? -1.0 : 1.0;
  std::vector<double> losses(n);
  for (size_t i = 0; i < n; ++i) losses[i] = sign * trials.values[i];
  std::vector<double> sorted = losses;
  const size_t cutoff_index = static_cast<size_t>(std::ceil(kTargetQuantile * n)) - 1;
  std::nth_element(sorted.begin(), sorted.begin() + cutoff_index, sorted.end());
  const double cutoff = sorted[cutoff_index];

  double sum = 0;
  for (int p = 0; p < spec.params_size() && p < static_cast<int>(trials.params.size()); ++p) {
    const Grid grid = GridOf(spec.params(p));
    if (grid.size < 2) continue;  // one value: it cannot matter
    std::vector<double> top(grid.size, 0.0), all(grid.size, 0.0);
    for (size_t i = 0; i < n; ++i) {
      const double x = trials.params[p][i];
      if (std::isnan(x)) continue;
      const int cell = grid.Cell(x);
      all[cell] += 1;
      if (losses[i] <= cutoff) top[cell] += 1;
    }
    if (std::accumulate(top.begin(), top.end(), 0.0) == 0) continue;
    result[p].importance = Divergence(top, all, grid.categorical);
    sum += result[p].importance;
  }
  for (ParamImportance& entry : result) entry.importance = sum > 0 ? entry.importance / sum : 0;
  std::stable_sort(result.begin(), result.end(),
                   [](const ParamImportance& a, const ParamImportance& b) {
                     return a.importance > b.importance;
                   });
  return result;
}

}  // namespace hpo::server
