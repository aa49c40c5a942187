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

void TpeSampler::Reset() {
  status_.clear();
  seen_state_.clear();
  obs_.clear();
  cached_sigma_.clear();
  cached_log_norm_.clear();
  complete_rank_.clear();
  pruned_rank_.clear();
  sorted_.assign(dims_.size(), {});
  pending_sorted_.clear();
  pending_complete_.clear();
  pending_pruned_.clear();
}

absl::Status TpeSampler::SyncSpec(const v1::StudySpec& spec) {
  std::string key = absl::StrCat(spec.direction(), ";");
  for (const v1::ParamSpec& param : spec.params()) key += param.SerializeAsString() + ";";
  if (key == spec_key_ && !dims_.empty()) return absl::OkStatus();
  dims_.clear();
  spec_key_.clear();
  spec_ = spec;
  for (const v1::ParamSpec& param : spec_.params()) {
    RETURN_IF_ERROR(ValidateParamSpec(param));
    for (const Dim& other : dims_) {
      if (other.spec->name() == param.name()) {
        return absl::InvalidArgumentError(
            absl::StrCat("params.", param.name(), ": duplicate parameter name"));
      }
    }
    Dim dim{Kind::kContinuous, 0, 0};
    dim.spec = &param;
    if (param.has_float_distribution()) {
      const v1::FloatDistribution& f = param.float_distribution();
      if (f.log()) {
        dim.low = std::log(f.low());
        dim.high = std::log(f.high());
      } else if (f.step() > 0) {
        dim.kind = Kind::kDiscrete;
        dim.q = f.step();
        const double last = f.low() + static_cast<double>(FloatGridMaxIndex(f)) * f.step();
        dim.low = f.low() - 0.5 * dim.q;
        dim.high = last + 0.5 * dim.q;
      } else {
        dim.low = f.low();
        dim.high = f.high();
      }
    } else if (param.has_int_distribution()) {
      const v1::IntDistribution& i = param.int_distribution();
      if (i.log()) {
        // Log space over [log(low - 0.5), log(high + 0.5)]; a kernel's mass
        // is taken over the integer's cell [log(v - 0.5), log(v + 0.5)].
        dim.kind = Kind::kDiscrete;
        dim.log_grid = true;
        dim.grid_low = static_cast<double>(i.low());
        dim.grid_high = static_cast<double>(i.high());
        dim.low = std::log(dim.grid_low - 0.5);
        dim.high = std::log(dim.grid_high + 0.5);
      } else {
        dim.kind = Kind::kDiscrete;
        const int64_t step = EffectiveIntStep(i);
        dim.q = static_cast<double>(step);
        const uint64_t span = static_cast<uint64_t>(i.high()) - static_cast<uint64_t>(i.low());
        const double last = static_cast<double>(i.low()) + static_cast<double>(span / step) * dim.q;
        dim.low = static_cast<double>(i.low()) - 0.5 * dim.q;
        dim.high = last + 0.5 * dim.q;
      }
    } else {
      dim.kind = Kind::kCategorical;
      dim.n_choices = param.categorical_distribution().choices_size();
      dim.low = 0;
      dim.high = static_cast<double>(dim.n_choices - 1);
    }
    dims_.push_back(dim);
  }
  spec_key_ = std::move(key);
  Reset();
  return absl::OkStatus();
}

bool TpeSampler::ParseParams(const v1::Trial& trial, double* out) const {
  for (size_t d = 0; d < dims_.size(); ++d) {
    const v1::ParamSpec& param = *dims_[d].spec;
    auto it = trial.params().find(param.name());
    if (it == trial.params().end() || !CheckParamValue(param, it->second).ok()) return false;
    const v1::ParamValue& value = it->second;
    if (dims_[d].kind == Kind::kCategorical) {
      const auto& choices = param.categorical_distribution().choices();
      out[d] = static_cast<double>(
          std::find(choices.begin(), choices.end(), value.categorical_value()) - choices.begin());
    } else {
      const double x = ParamValueAsDouble(value);
      const bool log = param.has_float_distribution() ? param.float_distribution().log()
                                                      : param.int_distribution().log();
      out[d] = std::clamp(log ? std::log(x) : x, dims_[d].low, dims_[d].high);
    }
  }
  return true;
}

void TpeSampler::InsertSorted(int64_t number) { pending_sorted_.push_back(number); }

void TpeSampler::MergePending() {
  // Sorting the p new entries and merging costs O(n + p log p): one trial
  // per call in the steady state, the whole history after a restart.
  if (!pending_sorted_.empty()) {
    for (size_t d = 0; d < dims_.size(); ++d) {
      if (dims_[d].kind == Kind::kCategorical) continue;
      auto& list = sorted_[d];
      const auto old_size = static_cast<std::ptrdiff_t>(list.size());
      for (int64_t number : pending_sorted_) {
        list.emplace_back(obs_[number * dims_.size() + d], number);
      }
      std::sort(list.begin() + old_size, list.end());
      std::inplace_merge(list.begin(), list.begin() + old_size, list.end());
    }
    pending_sorted_.clear();
  }
  auto merge = [](auto& list, auto& pending) {
    if (pending.empty()) return;
    const auto old_size = static_cast<std::ptrdiff_t>(list.size());
    list.insert(list.end(), pending.begin(), pending.end());
    std::sort(list.begin() + old_size, list.end());
    std::inplace_merge(list.begin(), list.begin() + old_size, list.end());
    pending.clear();
  };
  merge(complete_rank_, pending_complete_);
  merge(pruned_rank_, pending_pruned_);
}

void TpeSampler::EraseSorted(int64_t number) {
  MergePending();
  for (size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].kind == Kind::kCategorical) continue;
    const std::pair<double, int64_t> entry(obs_[number * dims_.size() + d], number);
    auto& list = sorted_[d];
    auto it = std::lower_bound(list.begin(), list.end(), entry);
    if (it != list.end() && *it == entry) list.erase(it);
  }
}

void TpeSampler::InsertRanking(int64_t number, const v1::Trial& trial) {
  const double sign = spec_.direction() == v1::MAXIMIZE ? -1.0 : 1.0;
  auto score = [sign](double v) { return std::isnan(v) ? kInf : sign * v; };
  if (trial.state() == v1::Trial::COMPLETE) {
    pending_complete_.emplace_back(score(trial.value()), number);
    return;
  }
  // PRUNED: the furthest step first, then its value; none reported: last.
  std::tuple<double, double, int64_t> entry(1.0, 0.0, number);
  if (trial.intermediate_values_size() > 0) {
    const v1::IntermediateValue* last = &trial.intermediate_values(0);
    for (const v1::IntermediateValue& iv : trial.intermediate_values()) {
      if (iv.step() >= last->step()) last = &iv;
    }
    entry = {-static_cast<double>(last->step()), score(last->value()), number};
  }
  pending_pruned_.push_back(entry);
}

void TpeSampler::EraseRanking(int64_t number) {
  MergePending();
  complete_rank_.erase(std::remove_if(complete_rank_.begin(), complete_rank_.end(),
                                      [&](const auto& e) { return e.second == number; }),
                       complete_rank_.end());
  pruned_rank_.erase(std::remove_if(pruned_rank_.begin(), pruned_rank_.end(),
                                    [&](const auto& e) { return std::get<2>(e) == number; }),
                     pruned_rank_.end());
}

void TpeSampler::Observe(const v1::Trial& trial) {
  const int64_t number = trial.number();
  const size_t D = dims_.size();
  if (static_cast<size_t>(number) >= status_.size()) {
    const size_t size = std::max<size_t>(number + 1, status_.size() * 2);
    status_.resize(size, Status::kAbsent);
    seen_state_.resize(size, -1);
    obs_.resize(size * D, 0.0);
    cached_sigma_.resize(size * D, -1.0);
    cached_log_norm_.resize(size * D, 0.0);
  }
  Status want = Status::kAbsent;
  switch (trial.state()) {
    case v1::Trial::RUNNING:
      want = Status::kRunning;
      break;
    case v1::Trial::COMPLETE:
      if (trial.has_value()) want = Status::kComplete;
      break;
    case v1::Trial::PRUNED:
      want = Status::kPruned;
      break;
    default:
      break;
  }
  const Status old = status_[number];
  if (want != Status::kAbsent && old == Status::kAbsent && !ParseParams(trial, &obs_[number * D])) {
    want = Status::kAbsent;
  }
  if (old == Status::kComplete || old == Status::kPruned) EraseRanking(number);
  if (old != Status::kAbsent && want == Status::kAbsent) EraseSorted(number);
  if (old == Status::kAbsent && want != Status::kAbsent) {
    for (size_t d = 0; d < D; ++d) cached_sigma_[number * D + d] = -1.0;
    InsertSorted(number);
  }
  if (want == Status::kComplete || want == Status::kPruned) InsertRanking(number, trial);
  status_[number] = want;
  seen_state_[number] = trial.state();
}

void TpeSampler::BuildGroups(int64_t trial_number) {
  const auto n_numbers = static_cast<int64_t>(status_.size());
  group_of_.assign(status_.size(), 0);
  position_.resize(status_.size());
  below_.numbers.clear();
  above_.numbers.clear();
  // n counts finished trials only: running ones join "above" under constant
  // liar but do not grow n_below, as in Optuna (3.1 to 4.9).
  const int64_t n = static_cast<int64_t>(complete_rank_.size() + pruned_rank_.size());
  int64_t n_below = tpe::NBelow(n, options_.gamma);
  for (const auto& [score, number] : complete_rank_) {
    if (static_cast<int64_t>(below_.numbers.size()) >= n_below) break;
    if (number != trial_number) below_.numbers.push_back(number);
  }
  for (const auto& entry : pruned_rank_) {
    if (static_cast<int64_t>(below_.numbers.size()) >= n_below) break;
    if (std::get<2>(entry) != trial_number) below_.numbers.push_back(std::get<2>(entry));
  }
  std::sort(below_.numbers.begin(), below_.numbers.end());
  for (size_t i = 0; i < below_.numbers.size(); ++i) {
    group_of_[below_.numbers[i]] = 1;
    position_[below_.numbers[i]] = static_cast<int32_t>(i);
  }
  for (int64_t number = 0; number < n_numbers; ++number) {
    if (number == trial_number || group_of_[number] != 0) continue;
    const Status s = status_[number];
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
  const size_t index = number * dims_.size() + d;
  if (cached_sigma_[index] != sigma) {
    const double mu = obs_[index];
    cached_sigma_[index] = sigma;
    cached_log_norm_[index] =
        tpe::LogGaussMass((dims_[d].low - mu) / sigma, (dims_[d].high - mu) / sigma);
  }
  return cached_log_norm_[index];
}

namespace {

void ResizeMixture(size_t n, std::vector<double>* mu, std::vector<double>* sigma,
                   std::vector<double>* inv_sigma, std::vector<double>* log_norm,
                   std::vector<double>* log_weight) {
  for (auto* v : {mu, sigma, inv_sigma, log_norm, log_weight}) v->resize(n);
}

}  // namespace

void TpeSampler::BuildBelow1d(size_t d, Mixture1d* m) {
  const Dim& dim = dims_[d];
  const size_t n = below_.numbers.size();
  ResizeMixture(n + 1, &m->mu, &m->sigma, &m->inv_sigma, &m->log_norm, &m->log_weight);
  for (size_t i = 0; i < n; ++i) m->mu[i] = obs_[below_.numbers[i] * dims_.size() + d];
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
  const Dim& dim = dims_[d];
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
  for (const auto& [value, number] : sorted_[d]) {
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
  const v1::ParamSpec& param = *dims_[d].spec;
  v1::ParamValue value;
  if (param.has_categorical_distribution()) {
    const int64_t index = std::clamp<int64_t>(std::llround(x), 0, dims_[d].n_choices - 1);
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
      const double k = std::clamp(std::round((x - static_cast<double>(i.low())) / dims_[d].q), 0.0,
                                  static_cast<double>(max_k));
      value.set_int_value(
          static_cast<int64_t>(static_cast<uint64_t>(i.low()) + static_cast<uint64_t>(k) * step));
    }
  }
  return value;
}

double TpeSampler::DrawFromKernel(size_t d, const Mixture1d& m, size_t k,
                                  std::mt19937_64& engine) const {
  const Dim& dim = dims_[d];
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
  const Dim& dim = dims_[d];
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
  const Dim& dim = dims_[d];
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
  for (size_t d = 0; d < dims_.size(); ++d) {
    const Dim& dim = dims_[d];
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
          const auto choice = static_cast<int64_t>(obs_[g.numbers[i] * dims_.size() + d]);
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
  model->mix.resize(dims_.size());
  model->cat.resize(dims_.size());
  model->log_match.assign(dims_.size(), 0);
  model->log_other.assign(dims_.size(), 0);
  model->c.assign(group.log_weights.begin(), group.log_weights.end());
  for (size_t d : modelled) {
    const Dim& dim = dims_[d];
    if (dim.kind == Kind::kCategorical) {
      const tpe::CategoricalKernel kernel =
          tpe::MakeCategoricalKernel(static_cast<int64_t>(n), dim.n_choices, options_.prior_weight);
      model->log_match[d] = kernel.log_match;
      model->log_other[d] = kernel.log_other;
      std::vector<double>& cat = model->cat[d];
      cat.resize(n);
      for (size_t i = 0; i < n; ++i) cat[i] = obs_[group.numbers[i] * dims_.size() + d];
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
    const Dim& dim = dims_[d];
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
  for (size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].kind == Kind::kCategorical || dims_[d].high > dims_[d].low) {
      modelled.push_back(d);
    } else {
      params[dims_[d].spec->name()] = ToParamValue(d, dims_[d].low);
    }
  }
  if (modelled.empty()) return params;
  JointModel below, above;
  BuildJoint(modelled, /*below=*/true, &below);
  BuildJoint(modelled, /*below=*/false, &above);
  const size_t n_below = below_.numbers.size(), n_above = above_.numbers.size();
  std::mt19937_64 engine = EngineFor(seed_ ^ kTpeSalt, trial_number, kJointStream);
  std::vector<double> x(dims_.size()), best_x(dims_.size());
  double best_score = -kInf;
  for (int32_t j = 0; j < options_.n_ei_candidates; ++j) {
    const size_t k = PickComponent(below_.log_weights, UniformUnit(engine));
    for (size_t d : modelled) {
      const Dim& dim = dims_[d];
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
  for (size_t d : modelled) params[dims_[d].spec->name()] = ToParamValue(d, best_x[d]);
  return params;
}

absl::StatusOr<ParamMap> TpeSampler::Sample(const v1::StudySpec& spec,
                                            absl::Span<const v1::Trial> history,
                                            int64_t trial_number) {
  if (trial_number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("trial number must be >= 0 (got ", trial_number, ")"));
  }
  RETURN_IF_ERROR(SyncSpec(spec));
  // A history shorter than what we have seen belongs to another study.
  size_t max_number = 0;
  for (const v1::Trial& trial : history) {
    const int64_t number = trial.number();
    if (number < 0) continue;
    max_number = std::max(max_number, static_cast<size_t>(number) + 1);
  }
  if (max_number < history_size_) Reset();
  history_size_ = max_number;
  for (const v1::Trial& trial : history) {
    const int64_t number = trial.number();
    if (number < 0) continue;
    if (static_cast<size_t>(number) < seen_state_.size() &&
        seen_state_[number] == static_cast<int32_t>(trial.state())) {
      continue;
    }
    Observe(trial);
  }
  MergePending();
  const int64_t n_finished = static_cast<int64_t>(complete_rank_.size() + pruned_rank_.size());
  if (n_finished < options_.n_startup_trials) return random_.Sample(spec, history, trial_number);
  BuildGroups(trial_number);
  return options_.multivariate ? SampleJoint(trial_number) : SampleIndependent(trial_number);
}

}  // namespace hpo::server
