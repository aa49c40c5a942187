#include "server/sampler/tpe_history.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/search_space.h"
#include "common/spec_validator.h"
#include "common/status_macros.h"

namespace hpo::server {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

void TpeHistory::Reset() {
  status_.clear();
  seen_state_.clear();
  obs_.clear();
  complete_rank_.clear();
  pruned_rank_.clear();
  sorted_.assign(dims_.size(), {});
  pending_sorted_.clear();
  pending_complete_.clear();
  pending_pruned_.clear();
  added_.clear();
  history_size_ = 0;
  ++generation_;
}

absl::Status TpeHistory::SyncSpec(const v1::StudySpec& spec) {
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

bool TpeHistory::ParseParams(const v1::Trial& trial, double* out) const {
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

void TpeHistory::MergePending() {
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

void TpeHistory::EraseSorted(int64_t number) {
  MergePending();
  for (size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].kind == Kind::kCategorical) continue;
    const std::pair<double, int64_t> entry(obs_[number * dims_.size() + d], number);
    auto& list = sorted_[d];
    auto it = std::lower_bound(list.begin(), list.end(), entry);
    if (it != list.end() && *it == entry) list.erase(it);
  }
}

void TpeHistory::InsertRanking(int64_t number, const v1::Trial& trial) {
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

void TpeHistory::EraseRanking(int64_t number) {
  MergePending();
  complete_rank_.erase(std::remove_if(complete_rank_.begin(), complete_rank_.end(),
                                      [&](const auto& e) { return e.second == number; }),
                       complete_rank_.end());
  pruned_rank_.erase(std::remove_if(pruned_rank_.begin(), pruned_rank_.end(),
                                    [&](const auto& e) { return std::get<2>(e) == number; }),
                     pruned_rank_.end());
}

void TpeHistory::Observe(const v1::Trial& trial) {
  const int64_t number = trial.number();
  const size_t D = dims_.size();
  if (static_cast<size_t>(number) >= status_.size()) {
    const size_t size = std::max<size_t>(number + 1, status_.size() * 2);
    status_.resize(size, Status::kAbsent);
    seen_state_.resize(size, -1);
    obs_.resize(size * D, 0.0);
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
    pending_sorted_.push_back(number);
    added_.push_back(number);
  }
  if (want == Status::kComplete || want == Status::kPruned) InsertRanking(number, trial);
  status_[number] = want;
  seen_state_[number] = trial.state();
}

void TpeHistory::Update(absl::Span<const v1::Trial> history) {
  size_t max_number = 0;
  for (const v1::Trial& trial : history) {
    const int64_t number = trial.number();
    if (number < 0) continue;
    max_number = std::max(max_number, static_cast<size_t>(number) + 1);
  }
  if (max_number < history_size_) Reset();
  history_size_ = max_number;
  added_.clear();
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
}

void TpeHistory::AppendBest(int64_t n, int64_t exclude, std::vector<int64_t>* out) const {
  int64_t taken = 0;
  for (const auto& [score, number] : complete_rank_) {
    if (taken >= n) return;
    if (number != exclude) {
      out->push_back(number);
      ++taken;
    }
  }
  for (const auto& entry : pruned_rank_) {
    if (taken >= n) return;
    if (std::get<2>(entry) != exclude) {
      out->push_back(std::get<2>(entry));
      ++taken;
    }
  }
}

}  // namespace hpo::server
