#include "server/sampler/tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/search_space.h"
#include "common/status_macros.h"
#include "server/sampler/sampler_rng.h"
#include "server/sampler/tpe_kernels.h"
#include "server/sampler/tpe_math.h"

namespace hpo::server {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Keeps TPE's streams apart from the random sampler's for the same trial.
constexpr uint64_t kTpeSalt = 0x7470655f73616d70ULL;  // "tpe_samp"
constexpr std::string_view kJointStream = "\x01joint";

// Index of the component a uniform u in [0, 1) picks from normalised weights.
size_t PickComponent(const std::vector<double>& log_weights, double u) {
  double cumulative = 0;
  for (size_t k = 0; k + 1 < log_weights.size(); ++k) {
    cumulative += std::exp(log_weights[k]);
    if (u < cumulative) return k;
  }
  return log_weights.size() - 1;
}

double SnapToGrid(double x, double grid_low, double grid_high, double q) {
  const double k = std::round((x - grid_low) / q);
  return std::clamp(grid_low + k * q, grid_low, grid_high);
}

}  // namespace

TpeOptions TpeOptionsFromSpec(const v1::SamplerSpec& spec) {
  TpeOptions options;
  if (spec.has_n_startup_trials()) options.n_startup_trials = spec.n_startup_trials();
  if (spec.has_n_ei_candidates()) options.n_ei_candidates = spec.n_ei_candidates();
  if (spec.has_gamma()) options.gamma = spec.gamma();
  if (spec.has_prior_weight()) options.prior_weight = spec.prior_weight();
  if (spec.has_multivariate()) options.multivariate = spec.multivariate();
  if (spec.has_constant_liar()) options.constant_liar = spec.constant_liar();
  if (spec.has_consider_magic_clip()) options.consider_magic_clip = spec.consider_magic_clip();
  if (spec.has_consider_endpoints()) options.consider_endpoints = spec.consider_endpoints();
  return options;
}

TpeSampler::TpeSampler(uint64_t seed, TpeOptions options)
    : seed_(seed), options_(options), random_(seed) {}

void TpeSampler::BuildGroups(int64_t trial_number) {
  const int64_t slots = history_.slots();
  group_of_.assign(slots, 0);
  position_.resize(slots);
  below_.numbers.clear();
  above_.numbers.clear();
  // n counts finished trials only: running ones join "above" under constant
  // liar but do not grow n_below, as in Optuna (3.1 to 4.9).
  history_.AppendBest(tpe::NBelow(history_.finished(), options_.gamma), trial_number,
                      &below_.numbers);
  std::sort(below_.numbers.begin(), below_.numbers.end());
  for (size_t i = 0; i < below_.numbers.size(); ++i) {
    group_of_[below_.numbers[i]] = 1;
    position_[below_.numbers[i]] = static_cast<int32_t>(i);
  }
  for (int64_t number = 0; number < slots; ++number) {
    if (number == trial_number || group_of_[number] != 0) continue;
    const Status s = history_.status(number);
    if (s == Status::kComplete || s == Status::kPruned ||
        (s == Status::kRunning && options_.constant_liar)) {
      group_of_[number] = 2;
      position_[number] = static_cast<int32_t>(above_.numbers.size());
      above_.numbers.push_back(number);
    }
  }
  for (Group* g : {&below_, &above_}) {
    g->log_weights = tpe::NormalisedWeightsWithPrior(static_cast<int64_t>(g->numbers.size()),
                                                     options_.prior_weight);
    for (double& w : g->log_weights) w = std::log(w);
  }
}

double TpeSampler::LogNormCached(int64_t number, size_t d, double sigma) {
  NormCache& entry = norm_cache_[number * history_.dims().size() + d];
  if (entry.sigma != sigma) {
    const Dim& dim = history_.dims()[d];
    const double mu = history_.obs(number, d);
    entry.sigma = sigma;
    entry.log_norm = tpe::LogGaussMass((dim.low - mu) / sigma, (dim.high - mu) / sigma);
  }
  return entry.log_norm;
}
namespace {

void ResizeMixture(size_t n, std::vector<double>* mu, std::vector<double>* sigma,
                   std::vector<double>* inv_sigma, std::vector<double>* log_norm,
                   std::vector<double>* log_weight) {
  for (auto* v : {mu, sigma, inv_sigma, log_norm, log_weight}) v->resize(n);
}

}  // namespace

void TpeSampler::BuildBelow1d(size_t d, Mixture1d* m) {
  const Dim& dim = history_.dims()[d];
  const size_t n = below_.numbers.size();
  ResizeMixture(n + 1, &m->mu, &m->sigma, &m->inv_sigma, &m->log_norm, &m->log_weight);
  for (size_t i = 0; i < n; ++i) m->mu[i] = history_.obs(below_.numbers[i], d);
  std::vector<double> mus(m->mu.begin(), m->mu.begin() + n);
  std::vector<double> sigmas = tpe::UnivariateSigmas(
      mus, dim.low, dim.high, options_.consider_endpoints, options_.consider_magic_clip);
  std::copy(sigmas.begin(), sigmas.end(), m->sigma.begin());
  m->mu[n] = 0.5 * (dim.low + dim.high);
  m->sigma[n] = dim.high - dim.low;
  for (size_t i = 0; i <= n; ++i) {
    m->inv_sigma[i] = 1.0 / m->sigma[i];
    m->log_norm[i] =
        tpe::LogGaussMass((dim.low - m->mu[i]) / m->sigma[i], (dim.high - m->mu[i]) / m->sigma[i]);
    m->log_weight[i] = below_.log_weights[i];
  }
}

void TpeSampler::BuildAbove1d(size_t d, bool trial_order, Mixture1d* m) {
  const Dim& dim = history_.dims()[d];
  const size_t n = above_.numbers.size();
  ResizeMixture(n + 1, &m->mu, &m->sigma, &m->inv_sigma, &m->log_norm, &m->log_weight);
  // Walk the maintained sorted centres, skipping other groups: the
  // bandwidths need no sort of the history.
  std::vector<int64_t>& numbers = scratch_numbers_;
  std::vector<double>& sorted_mu = scratch_sorted_mu_;
  std::vector<double>& sorted_sigma = scratch_sorted_sigma_;
  numbers.resize(n);
  sorted_mu.resize(n);
  sorted_sigma.resize(n);
  size_t i = 0;
  for (const auto& [value, number] : history_.sorted(d)) {
    if (number < static_cast<int64_t>(group_of_.size()) && group_of_[number] == 2) {
      numbers[i] = number;
      sorted_mu[i] = value;
      ++i;
    }
  }
  tpe::SortedUnivariateSigmas(
      sorted_mu.data(), static_cast<int64_t>(n), dim.low, dim.high, options_.consider_endpoints,
      tpe::MagicClip(static_cast<int64_t>(n), dim.high - dim.low, options_.consider_magic_clip),
      sorted_sigma.data());
  for (i = 0; i < n; ++i) {
    // Joint kernels need trial order, the same in every dimension.
    const size_t k = trial_order ? static_cast<size_t>(position_[numbers[i]]) : i;
    m->mu[k] = sorted_mu[i];
    m->sigma[k] = sorted_sigma[i];
    m->inv_sigma[k] = 1.0 / sorted_sigma[i];
    m->log_norm[k] = LogNormCached(numbers[i], d, sorted_sigma[i]);
    m->log_weight[k] = above_.log_weights[position_[numbers[i]]];
  }
  m->mu[n] = 0.5 * (dim.low + dim.high);
  m->sigma[n] = dim.high - dim.low;
  m->inv_sigma[n] = 1.0 / m->sigma[n];
  m->log_norm[n] = tpe::LogGaussMass(-0.5, 0.5);
  m->log_weight[n] = above_.log_weights.back();
}

v1::ParamValue TpeSampler::ToParamValue(size_t d, double x) const {
  const v1::ParamSpec& param = *history_.dims()[d].spec;
  v1::ParamValue value;
  if (param.has_categorical_distribution()) {
    const int64_t index = std::clamp<int64_t>(std::llround(x), 0, history_.dims()[d].n_choices - 1);
    value.set_categorical_value(param.categorical_distribution().choices(static_cast<int>(index)));
  } else if (param.has_float_distribution()) {
    const v1::FloatDistribution& f = param.float_distribution();
    double v;
    if (f.log()) {
      v = std::exp(x);
    } else if (f.step() > 0) {
      const double k = std::clamp(std::round((x - f.low()) / f.step()), 0.0,
                                  static_cast<double>(FloatGridMaxIndex(f)));
      v = f.low() + k * f.step();
    } else {
      v = x;
    }
    value.set_float_value(std::clamp(v, f.low(), f.high()));
  } else {
    const v1::IntDistribution& i = param.int_distribution();
    if (i.log()) {
      const double v = std::round(std::exp(x));
      value.set_int_value(v <= static_cast<double>(i.low())    ? i.low()
                          : v >= static_cast<double>(i.high()) ? i.high()
                                                               : static_cast<int64_t>(v));
    } else {
      const int64_t step = EffectiveIntStep(i);
      const uint64_t max_k =
          (static_cast<uint64_t>(i.high()) - static_cast<uint64_t>(i.low())) / step;
      const double k =
          std::clamp(std::round((x - static_cast<double>(i.low())) / history_.dims()[d].q), 0.0,
                     static_cast<double>(max_k));
      value.set_int_value(
          static_cast<int64_t>(static_cast<uint64_t>(i.low()) + static_cast<uint64_t>(k) * step));
    }
  }
  return value;
}

double TpeSampler::DrawFromKernel(size_t d, const Mixture1d& m, size_t k,
                                  std::mt19937_64& engine) const {
  const Dim& dim = history_.dims()[d];
  const double x =
      tpe::SampleTruncNorm(UniformUnit(engine), m.mu[k], m.sigma[k], dim.low, dim.high);
  if (dim.kind != Kind::kDiscrete) return x;
  if (dim.log_grid) {
    // The integer the draw stands for, back in log space.
    return std::log(std::clamp(std::round(std::exp(x)), dim.grid_low, dim.grid_high));
  }
  return SnapToGrid(x, dim.low + 0.5 * dim.q, dim.high - 0.5 * dim.q, dim.q);
}

TpeSampler::Cell TpeSampler::CellOf(size_t d, double x) const {
  const Dim& dim = history_.dims()[d];
  if (dim.log_grid) {
    const double v = std::round(std::exp(x));
    return {std::max(std::log(v - 0.5), dim.low), std::min(std::log(v + 0.5), dim.high)};
  }
  return {std::max(x - 0.5 * dim.q, dim.low), std::min(x + 0.5 * dim.q, dim.high)};
}

namespace {

void FinishConstants(std::vector<double>* c, const std::vector<double>& log_weight,
                     const std::vector<double>& sigma, const std::vector<double>& log_norm) {
  c->resize(sigma.size());
  for (size_t k = 0; k < sigma.size(); ++k) {
    (*c)[k] = log_weight[k] - std::log(sigma[k]) - tpe::kLogSqrt2Pi - log_norm[k];
  }
}

double DiscreteTerm(double lower, double upper, double mu, double inv_sigma) {
  return tpe::LogGaussMass((lower - mu) * inv_sigma, (upper - mu) * inv_sigma);
}

}  // namespace

double TpeSampler::LogMixture1d(size_t d, const Mixture1d& m, double x) {
  const Dim& dim = history_.dims()[d];
  const size_t n = m.mu.size();
  scratch_terms_.resize(n);
  double* terms = scratch_terms_.data();
  if (dim.kind == Kind::kContinuous) {
    tpe::GaussianTerms(x, m.mu.data(), m.inv_sigma.data(), m.c.data(), static_cast<int64_t>(n),
                       terms);
  } else {
    const Cell cell = CellOf(d, x);
    for (size_t k = 0; k < n; ++k) {
      terms[k] = m.log_weight[k] - m.log_norm[k] +
                 DiscreteTerm(cell.lower, cell.upper, m.mu[k], m.inv_sigma[k]);
    }
  }
  return tpe::LogSumExp(terms, static_cast<int64_t>(n));
}

ParamMap TpeSampler::SampleIndependent(int64_t trial_number) {
  ParamMap params;
  Mixture1d below, above;
  for (size_t d = 0; d < history_.dims().size(); ++d) {
    const Dim& dim = history_.dims()[d];
    const std::string& name = dim.spec->name();
    std::mt19937_64 engine = EngineFor(seed_ ^ kTpeSalt, trial_number, name);
    if (dim.kind == Kind::kCategorical) {
      // l and g per choice: a mixture of categorical kernels is again one.
      const int64_t C = dim.n_choices;
      auto marginal = [&](const Group& g) {
        const auto n = static_cast<int64_t>(g.numbers.size());
        const tpe::CategoricalKernel kernel =
            tpe::MakeCategoricalKernel(n, C, options_.prior_weight);
        const double w_prior = std::exp(g.log_weights.back());
        const double other = std::exp(kernel.log_other), match = std::exp(kernel.log_match);
        std::vector<double> p(C, other * (1 - w_prior) + w_prior / static_cast<double>(C));
        for (int64_t i = 0; i < n; ++i) {
          const auto choice = static_cast<int64_t>(history_.obs(g.numbers[i], d));
          p[choice] += (match - other) * std::exp(g.log_weights[i]);
        }
        return p;
      };
      const std::vector<double> l = marginal(below_), g = marginal(above_);
      double total = 0;
      for (double p : l) total += p;
      int64_t best = 0;
      double best_score = -kInf;
      for (int32_t j = 0; j < options_.n_ei_candidates; ++j) {
        const double u = UniformUnit(engine) * total;
        int64_t choice = C - 1;
        double cumulative = 0;
        for (int64_t c = 0; c < C; ++c) {
          cumulative += l[c];
          if (u < cumulative) {
            choice = c;
            break;
          }
        }
        const double score = std::log(l[choice]) - std::log(g[choice]);
        if (score > best_score) {
          best_score = score;
          best = choice;
        }
      }
      params[name] = ToParamValue(d, static_cast<double>(best));
      continue;
    }
    if (!(dim.high > dim.low)) {
      params[name] = ToParamValue(d, dim.low);
      continue;
    }
    BuildBelow1d(d, &below);
    BuildAbove1d(d, /*trial_order=*/false, &above);
    FinishConstants(&below.c, below.log_weight, below.sigma, below.log_norm);
    FinishConstants(&above.c, above.log_weight, above.sigma, above.log_norm);
    double best = below.mu.back();
    double best_score = -kInf;
    for (int32_t j = 0; j < options_.n_ei_candidates; ++j) {
      const size_t k = PickComponent(below.log_weight, UniformUnit(engine));
      const double x = DrawFromKernel(d, below, k, engine);
      const double score = LogMixture1d(d, below, x) - LogMixture1d(d, above, x);
      if (score > best_score) {
        best_score = score;
        best = x;
      }
    }
    params[name] = ToParamValue(d, best);
  }
  return params;
}

void TpeSampler::BuildJoint(const std::vector<size_t>& modelled, bool below, JointModel* model) {
  const Group& group = below ? below_ : above_;
  const size_t n = group.numbers.size();
  model->mix.resize(history_.dims().size());
  model->cat.resize(history_.dims().size());
  model->log_match.assign(history_.dims().size(), 0);
  model->log_other.assign(history_.dims().size(), 0);
  model->c.assign(group.log_weights.begin(), group.log_weights.end());
  for (size_t d : modelled) {
    const Dim& dim = history_.dims()[d];
    if (dim.kind == Kind::kCategorical) {
      const tpe::CategoricalKernel kernel =
          tpe::MakeCategoricalKernel(static_cast<int64_t>(n), dim.n_choices, options_.prior_weight);
      model->log_match[d] = kernel.log_match;
      model->log_other[d] = kernel.log_other;
      std::vector<double>& cat = model->cat[d];
      cat.resize(n);
      for (size_t i = 0; i < n; ++i) cat[i] = history_.obs(group.numbers[i], d);
      model->c[n] -= std::log(static_cast<double>(dim.n_choices));
      continue;
    }
    // Optuna 5's rule: each kernel's bandwidth along d is the univariate
    // one (neighbour gaps, magic clip), not 0.2 n^(-1/(D+4)) range.
    Mixture1d& m = model->mix[d];
    if (below) {
      BuildBelow1d(d, &m);
    } else {
      BuildAbove1d(d, /*trial_order=*/true, &m);
    }
    for (size_t k = 0; k <= n; ++k) {
      model->c[k] -= m.log_norm[k];
      if (dim.kind == Kind::kContinuous) model->c[k] -= std::log(m.sigma[k]) + tpe::kLogSqrt2Pi;
    }
  }
}

double TpeSampler::LogJoint(const std::vector<size_t>& modelled, const JointModel& model, size_t n,
                            const std::vector<double>& x) {
  scratch_terms_.assign(model.c.begin(), model.c.end());
  double* terms = scratch_terms_.data();
  for (size_t d : modelled) {
    const Dim& dim = history_.dims()[d];
    if (dim.kind == Kind::kCategorical) {
      const std::vector<double>& cat = model.cat[d];
      const double match = model.log_match[d], other = model.log_other[d];
      for (size_t k = 0; k < n; ++k) terms[k] += cat[k] == x[d] ? match : other;
      continue;
    }
    const Mixture1d& m = model.mix[d];
    if (dim.kind == Kind::kContinuous) {
      tpe::AddGaussianTerms(x[d], m.mu.data(), m.inv_sigma.data(), static_cast<int64_t>(n + 1),
                            terms);
    } else {
      const Cell cell = CellOf(d, x[d]);
      for (size_t k = 0; k <= n; ++k) {
        terms[k] += DiscreteTerm(cell.lower, cell.upper, m.mu[k], m.inv_sigma[k]);
      }
    }
  }
  return tpe::LogSumExp(terms, static_cast<int64_t>(n + 1));
}

ParamMap TpeSampler::SampleJoint(int64_t trial_number) {
  ParamMap params;
  std::vector<size_t> modelled;
  for (size_t d = 0; d < history_.dims().size(); ++d) {
    if (history_.dims()[d].kind == Kind::kCategorical ||
        history_.dims()[d].high > history_.dims()[d].low) {
      modelled.push_back(d);
    } else {
      params[history_.dims()[d].spec->name()] = ToParamValue(d, history_.dims()[d].low);
    }
  }
  if (modelled.empty()) return params;
  JointModel below, above;
  BuildJoint(modelled, /*below=*/true, &below);
  BuildJoint(modelled, /*below=*/false, &above);
  const size_t n_below = below_.numbers.size(), n_above = above_.numbers.size();
  std::mt19937_64 engine = EngineFor(seed_ ^ kTpeSalt, trial_number, kJointStream);
  std::vector<double> x(history_.dims().size()), best_x(history_.dims().size());
  double best_score = -kInf;
  for (int32_t j = 0; j < options_.n_ei_candidates; ++j) {
    const size_t k = PickComponent(below_.log_weights, UniformUnit(engine));
    for (size_t d : modelled) {
      const Dim& dim = history_.dims()[d];
      if (dim.kind != Kind::kCategorical) {
        x[d] = DrawFromKernel(d, below.mix[d], k, engine);
        continue;
      }
      const auto C = static_cast<uint64_t>(dim.n_choices);
      if (k == n_below) {
        x[d] = static_cast<double>(UniformIndex(engine, C - 1));
        continue;
      }
      const auto own = static_cast<uint64_t>(below.cat[d][k]);
      if (C == 1 || UniformUnit(engine) < std::exp(below.log_match[d])) {
        x[d] = static_cast<double>(own);
      } else {
        const uint64_t other = UniformIndex(engine, C - 2);
        x[d] = static_cast<double>(other >= own ? other + 1 : other);
      }
    }
    const double score =
        LogJoint(modelled, below, n_below, x) - LogJoint(modelled, above, n_above, x);
    if (score > best_score || j == 0) {
      best_score = score;
      best_x = x;
    }
  }
  for (size_t d : modelled) params[history_.dims()[d].spec->name()] = ToParamValue(d, best_x[d]);
  return params;
}

absl::StatusOr<ParamMap> TpeSampler::Sample(const v1::StudySpec& spec,
                                            absl::Span<const v1::Trial> history,
                                            int64_t trial_number) {
  if (trial_number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("trial number must be >= 0 (got ", trial_number, ")"));
  }
  RETURN_IF_ERROR(history_.SyncSpec(spec));
  history_.Update(history);
  const size_t D = history_.dims().size();
  if (cache_generation_ != history_.generation()) {
    cache_generation_ = history_.generation();
    norm_cache_.clear();
  }
  norm_cache_.resize(history_.slots() * D);
  for (int64_t number : history_.added()) {
    for (size_t d = 0; d < D; ++d) norm_cache_[number * D + d] = NormCache{};
  }
  if (history_.finished() < options_.n_startup_trials) {
    return random_.Sample(spec, history, trial_number);
  }
  BuildGroups(trial_number);
  return options_.multivariate ? SampleJoint(trial_number) : SampleIndependent(trial_number);
}

}  // namespace hpo::server
