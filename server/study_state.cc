#include "server/study_state.h"

#include <algorithm>
#include <utility>

#include "common/spec_validator.h"
#include "common/trial_state.h"

namespace hpo::server {
namespace {

// Whether `a` is a better COMPLETE trial than `b`; the lower number wins a tie.
bool Better(const v1::Trial& a, const v1::Trial& b, bool maximize) {
  if (a.value() != b.value()) return maximize ? a.value() > b.value() : a.value() < b.value();
  return a.number() < b.number();
}

}  // namespace

void StudyState::Put(v1::Trial trial, std::string lease_id) {
  const int64_t number = trial.number();
  if (number == static_cast<int64_t>(trials.size())) {
    trials.emplace_back();
  } else {
    const v1::Trial& old = trials[number];
    if (old.state() != v1::Trial::STATE_UNSPECIFIED) --counts_[old.state()];
    if (!IsFinished(old.state())) --unfinished_;
  }
  const bool newly_complete = trial.state() == v1::Trial::COMPLETE && trial.has_value() &&
                              trials[number].state() != v1::Trial::COMPLETE;
  if (newly_complete) completed_.Add(trial, study.spec());
  ++counts_[trial.state()];
  if (!IsFinished(trial.state())) ++unfinished_;
  if (trial.state() == v1::Trial::RUNNING && !lease_id.empty()) {
    leases.Grant(number, std::move(lease_id), trial.lease_expire_time_ms());
  } else {
    leases.Release(number);
  }
  trial.clear_lease_expire_time_ms();
  if (trial.state() == v1::Trial::COMPLETE && trial.has_value() &&
      (best_ < 0 || Better(trial, trials[best_], study.spec().direction() == v1::MAXIMIZE))) {
    best_ = number;
  }
  for (const auto& [name, value] : trial.user_attrs()) user_attr_names_.insert(name);
  update_time_ms_ = std::max({update_time_ms_, trial.start_time_ms(), trial.complete_time_ms()});
  trials[number] = std::move(trial);
  Changed(number);
}

void StudyState::AddIntermediateValue(int64_t number, const v1::IntermediateValue& value) {
  auto& values = *trials[number].mutable_intermediate_values();
  *values.Add() = value;
  for (int i = values.size() - 1; i > 0 && values[i - 1].step() > values[i].step(); --i) {
    values.SwapElements(i - 1, i);
  }
  Changed(number);
}

void StudyState::Changed(int64_t number) {
  if (number == static_cast<int64_t>(trial_revisions_.size())) {
    trial_revisions_.push_back(0);
  } else {
    changes_.erase(trial_revisions_[number]);
  }
  trial_revisions_[number] = ++revision_;
  changes_.emplace(revision_, number);
}

int64_t StudyState::Count(v1::Trial::State state) const {
  const auto it = counts_.find(state);
  return it == counts_.end() ? 0 : it->second;
}

bool StudyState::HasRoomForTrials() const {
  // A study without max_trials still stops at the hard limit.
  const int32_t max_trials =
      study.spec().max_trials() == 0 ? kMaxTrialsPerStudy : study.spec().max_trials();
  return sampled_trials < max_trials;
}

v1::Study StudyState::Summary() const {
  v1::Study summary = study;
  auto& counts = *summary.mutable_trial_counts();
  for (const auto& [state, count] : counts_) {
    if (count > 0) counts[v1::Trial::State_Name(state)] = count;
  }
  if (best_ >= 0) *summary.mutable_best_trial() = trials[best_];
  for (const std::string& name : user_attr_names_) summary.add_user_attr_names(name);
  summary.set_update_time_ms(update_time_ms_);
  return summary;
}

}  // namespace hpo::server
