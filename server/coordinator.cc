#include "server/coordinator.h"

#include <cmath>
#include <iostream>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/log_line.h"
#include "common/objective.h"
#include "common/search_space.h"
#include "common/spec_diff.h"
#include "common/spec_validator.h"
#include "common/status_macros.h"
#include "common/trial_state.h"
#include "server/analysis/ped_anova.h"

namespace hpo::server {
namespace {

std::string TrialName(const v1::Trial& trial) {
  return absl::StrCat("trial ", trial.number(), " of study \"", trial.study_name(), "\"");
}

// Where a study's revisions start (StudyState::revision): the clock in
// thousandths of a millisecond. A study changes far fewer than 1,000 times a
// millisecond, so every revision after a restart is above every revision
// before it, and the page's `changed_after` cursor survives the restart; it
// stays below 2^53, exact in JavaScript, until the year 2255.
uint64_t FirstRevision(Clock& clock) { return static_cast<uint64_t>(clock.NowMs()) * 1000; }

std::string NewLeaseId() {
  thread_local absl::BitGen bitgen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bitgen),
                         absl::Uniform<uint64_t>(bitgen));
}

int64_t LeaseMs(const v1::StudySpec& spec) {
  return static_cast<int64_t>(std::llround(spec.lease_seconds() * 1000.0));
}

absl::Status CheckLength(absl::string_view field, absl::string_view value, int64_t max) {
  if (static_cast<int64_t>(value.size()) <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": at most ", max, " bytes (got ", value.size(), ")"));
}

// For "max_trials reached": which trials still hold the study open.
std::string StillRunning(const StudyState& study) {
  const int64_t running = study.Count(v1::Trial::RUNNING);
  if (running == 0) return "";
  // Asked trials hold no lease: one that is never told keeps the study open.
  std::vector<int64_t> numbers;
  for (const v1::Trial& trial : study.trials) {
    if (numbers.size() == 10) break;
    if (trial.state() == v1::Trial::RUNNING) numbers.push_back(trial.number());
  }
  return absl::StrCat("; it completes when its ", running, " RUNNING trial",
                      running == 1 ? "" : "s", " (", absl::StrJoin(numbers, ", "),
                      running > 10 ? ", ..." : "",
                      ") finish: tell each a value or the state FAILED");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Open(std::unique_ptr<Storage> storage,
                                                              Clock* clock,
                                                              CoordinatorOptions options) {
  ASSIGN_OR_RETURN(std::vector<StoredStudy> stored, storage->LoadAll());
  std::unique_ptr<Coordinator> coordinator(new Coordinator(std::move(storage), clock, options));
  ASSIGN_OR_RETURN(StudyMap studies, coordinator->Load(std::move(stored)));
  {
    absl::MutexLock lock(&coordinator->mu_);
    coordinator->studies_ = std::move(studies);
  }
  Coordinator* self = coordinator.get();
  coordinator->commits_ = std::make_unique<CommitQueue>(
      self->storage_.get(), [self](const absl::Status& status) { self->OnCommitFailure(status); },
      &self->metrics_.commit_seconds);
  return coordinator;
}

absl::StatusOr<Coordinator::StudyMap> Coordinator::Load(std::vector<StoredStudy> stored) const {
  StudyMap studies;
  const int64_t now = clock_->NowMs();
  for (StoredStudy& s : stored) {
    auto state = std::make_unique<StudyState>(FirstRevision(*clock_));
    state->study = std::move(s.study);
    // A study stored before objectives existed optimises its direction's val_loss.
    ApplyObjectiveDefaults(state->study.mutable_spec());
    ASSIGN_OR_RETURN(state->sampler, MakeSampler(state->study.spec().sampler()));
    ASSIGN_OR_RETURN(state->pruner, MakePruner(state->study.spec()));
    // Enough for workers to find the restarted coordinator, even with a short lease.
    const int64_t lease_ms = std::max(LeaseMs(state->study.spec()), options_.restart_grace_ms);
    state->trials.reserve(s.trials.size());
    for (StoredTrial& t : s.trials) {
      if (t.trial.number() != static_cast<int64_t>(state->trials.size())) {
        return absl::DataLossError(absl::StrCat("study \"", state->study.spec().name(),
                                                "\": trial numbers are not contiguous at ",
                                                t.trial.number()));
      }
      // A restarted coordinator gives running trials a fresh lease window.
      if (t.trial.state() == v1::Trial::RUNNING && !t.lease_id.empty()) {
        t.trial.set_lease_expire_time_ms(now + lease_ms);
      }
      if (!t.trial.has_retry_of()) ++state->sampled_trials;
      if (t.trial.state() == v1::Trial::WAITING) state->waiting.push_back(t.trial.number());
      state->Put(std::move(t.trial), std::move(t.lease_id));
    }
    std::vector<StoredTrial>().swap(s.trials);  // the moved-from shells, freed now
    SetLeaseTerms(*state);
    std::string name = state->study.spec().name();
    studies.emplace(std::move(name), std::move(state));
  }
  return studies;
}

void Coordinator::SetLeaseTerms(StudyState& study) {
  study.leases.SetTerms(LeaseMs(study.study.spec()), study.study.state() == v1::Study::STOPPED);
}

CommitQueue::BatchRef Coordinator::Queue(StudyState& study) {
  SetLeaseTerms(study);
  return study.pending.empty() ? commits_->Latest()
                               : commits_->Add(std::exchange(study.pending, {}));
}

template <typename Change>
auto Coordinator::Transact(bool exclusive, Change change)
    -> decltype(change(std::declval<Batches&>())) {
  decltype(change(std::declval<Batches&>())) result;
  Batches batches;
  {
    // Exclusive only to add or rebuild studies; else each change locks the
    // studies it touches, so one study's work never waits for another's.
    std::optional<absl::ReaderMutexLock> shared;
    std::optional<absl::WriterMutexLock> unique;
    if (exclusive) {
      unique.emplace(&mu_);
    } else {
      shared.emplace(&mu_);
    }
    if (!broken_.ok()) return broken_;
    result = change(batches);
  }
  if (!result.ok()) return result;
  // A read waits for whatever it may have seen to be durable.
  if (batches.empty()) batches.push_back(commits_->Latest());
  for (const CommitQueue::BatchRef& batch : batches) {
    if (absl::Status status = commits_->Wait(batch); !status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("the database write failed, nothing was changed: ", status.message()));
    }
  }
  return result;
}

template <typename Change>
auto Coordinator::TransactStudy(absl::string_view name, Change change)
    -> decltype(change(std::declval<StudyState*>())) {
  return Transact(/*exclusive=*/false,
                  [&](Batches& batches) ABSL_SHARED_LOCKS_REQUIRED(
                      mu_) -> decltype(change(std::declval<StudyState*>())) {
                    ASSIGN_OR_RETURN(StudyState * study, FindStudy(name));
                    absl::MutexLock lock(&study->mu);
                    auto result = change(study);
                    batches.push_back(Queue(*study));
                    return result;
                  });
}

void Coordinator::OnCommitFailure(const absl::Status& status) {
  LogLine() << "hpo-coordinator: a database write failed (" << status.message()
            << "); the calls it held answer UNAVAILABLE and memory is read back from the file\n";
  absl::WriterMutexLock lock(&mu_);
  // Memory holds changes the file does not: drop them all and read it back.
  commits_->FailOpenBatch(status);
  absl::StatusOr<std::vector<StoredStudy>> stored = storage_->LoadAll();
  absl::StatusOr<StudyMap> studies =
      stored.ok() ? Load(*std::move(stored)) : absl::StatusOr<StudyMap>(stored.status());
  if (!studies.ok()) {
    broken_ = absl::UnavailableError(absl::StrCat(
        "a write to the database failed (", status.message(),
        ") and the database could not be read back (", studies.status().message(),
        "); restart the coordinator"));
    return;
  }
  studies_ = *std::move(studies);
}

absl::StatusOr<StudyState*> Coordinator::FindStudy(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("study_name: must not be empty");
  RETURN_IF_ERROR(CheckLength("study_name", name, kMaxStudyNameBytes));
  auto it = studies_.find(name);
  if (it == studies_.end()) {
    return absl::NotFoundError(absl::StrCat("study \"", name, "\" does not exist"));
  }
  return it->second.get();
}

absl::StatusOr<v1::Study> Coordinator::CreateStudy(v1::StudySpec spec, bool load_if_exists) {
  ApplyStudySpecDefaults(&spec);
  RETURN_IF_ERROR(ValidateStudySpec(spec));
  return Transact(
      /*exclusive=*/true,
      [&](Batches& batches) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<v1::Study> {
        if (auto it = studies_.find(spec.name()); it != studies_.end()) {
          absl::MutexLock lock(&it->second->mu);
          // Stored under older defaults, a spec compares as it reads today.
          v1::StudySpec existing = it->second->study.spec();
          ApplyStudySpecDefaults(&existing);
          if (!spec.sampler().has_seed()) existing.mutable_sampler()->clear_seed();
          if (!load_if_exists) {
            return absl::AlreadyExistsError(
                absl::StrCat("study \"", spec.name(),
                             "\" already exists (create it with load_if_exists to go on with it)"));
          }
          const std::vector<SpecChange> changes = DiffStudySpecs(existing, spec);
          if (changes.empty()) return it->second->Summary();
          return absl::AlreadyExistsError(absl::StrCat(
              "study \"", spec.name(), "\" already exists with a different spec (",
              FormatSpecChange(changes.front()),
              changes.size() > 1 ? absl::StrCat(" and ", changes.size() - 1, " more") : "",
              "); give the new spec another name, update the study (UpdateStudy) or delete it"));
        }
        if (!spec.sampler().has_seed()) {
          thread_local absl::BitGen bitgen;
          spec.mutable_sampler()->set_seed(absl::Uniform<uint32_t>(bitgen));
        }
        auto state = std::make_unique<StudyState>(FirstRevision(*clock_));
        ASSIGN_OR_RETURN(state->sampler, MakeSampler(spec.sampler()));
        ASSIGN_OR_RETURN(state->pruner, MakePruner(spec));
        *state->study.mutable_spec() = std::move(spec);
        state->study.set_state(v1::Study::RUNNING);
        state->study.set_create_time_ms(clock_->NowMs());
        state->pending.push_back(CreateStudyWrite{state->study});
        batches.push_back(Queue(*state));
        v1::Study summary = state->Summary();
        std::string name = state->study.spec().name();
        studies_.emplace(std::move(name), std::move(state));
        return summary;
      });
}

absl::StatusOr<v1::Study> Coordinator::GetStudy(absl::string_view study_name) {
  return TransactStudy(
      study_name, [&](StudyState* study) -> absl::StatusOr<v1::Study> { return study->Summary(); });
}

absl::StatusOr<v1::ListStudiesResponse> Coordinator::ListStudies(
    const v1::ListStudiesRequest& request) {
  constexpr int32_t kDefaultPageSize = 100;
  constexpr int32_t kMaxPageSize = 1000;
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be in [0, ", kMaxPageSize,
                                                   "] (got ", request.page_size(), ")"));
  }
  RETURN_IF_ERROR(CheckLength("page_token", request.page_token(), kMaxStudyNameBytes));
  const int32_t page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  return Transact(
      /*exclusive=*/false,
      [&](Batches&) ABSL_SHARED_LOCKS_REQUIRED(mu_) -> absl::StatusOr<v1::ListStudiesResponse> {
        v1::ListStudiesResponse response;
        int64_t bytes = 0;
        // The token is the last name of the previous page.
        auto it = request.page_token().empty() ? studies_.begin()
                                               : studies_.upper_bound(request.page_token());
        for (; it != studies_.end(); ++it) {
          v1::Study summary;
          {
            absl::MutexLock lock(&it->second->mu);
            summary = it->second->Summary();
          }
          const int64_t size = static_cast<int64_t>(summary.ByteSizeLong());
          if (response.studies_size() == page_size ||
              (response.studies_size() > 0 && bytes + size > options_.max_page_bytes)) {
            response.set_next_page_token(response.studies().rbegin()->spec().name());
            break;
          }
          bytes += size;
          *response.add_studies() = std::move(summary);
        }
        return response;
      });
}

absl::StatusOr<v1::Study> Coordinator::StopStudy(absl::string_view study_name, bool drain) {
  return TransactStudy(study_name, [&](StudyState* study) -> absl::StatusOr<v1::Study> {
    const v1::Study::State state = study->study.state();
    if (drain && state == v1::Study::RUNNING) {
      SetStudyState(*study, v1::Study::DRAINING);
      MaybeComplete(*study);
    } else if (state == v1::Study::RUNNING || state == v1::Study::DRAINING) {
      SetStudyState(*study, v1::Study::STOPPED);
    }
    return study->Summary();
  });
}

absl::StatusOr<v1::Study> Coordinator::ResumeStudy(absl::string_view study_name) {
  return TransactStudy(study_name, [&](StudyState* study) -> absl::StatusOr<v1::Study> {
    const v1::Study::State state = study->study.state();
    if (state == v1::Study::COMPLETED && !study->HasTrialsToRun()) {
      return absl::FailedPreconditionError(
          absl::StrCat("study \"", study_name, "\" is COMPLETED: it has run its ",
                       study->study.spec().max_trials(),
                       " trials (raise max_trials with UpdateStudy to run more)"));
    }
    if (state != v1::Study::RUNNING) {
      study->task_errors_in_a_row = 0;
      SetStudyState(*study, v1::Study::RUNNING);
      MaybeComplete(*study);
    }
    return study->Summary();
  });
}

namespace {

// Spec fields a live study may change (exact paths, or prefixes ending in
// "."), as DiffStudySpecs names them.
constexpr absl::string_view kUpdatableFields[] = {"max_trials",        "lease_seconds",
                                                  "max_retries",       "pruner.",
                                                  "task.dataset.path", "task.dataset.test_path"};

bool Updatable(absl::string_view path) {
  for (absl::string_view field : kUpdatableFields) {
    if (path == field || (absl::EndsWith(field, ".") && absl::StartsWith(path, field))) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<v1::Study> Coordinator::UpdateStudy(v1::StudySpec spec) {
  ApplyStudySpecDefaults(&spec);
  RETURN_IF_ERROR(ValidateStudySpec(spec));
  return TransactStudy(spec.name(), [&](StudyState* study) -> absl::StatusOr<v1::Study> {
    v1::StudySpec current = study->study.spec();
    ApplyStudySpecDefaults(&current);
    if (!spec.sampler().has_seed()) spec.mutable_sampler()->set_seed(current.sampler().seed());
    const std::vector<SpecChange> changes = DiffStudySpecs(current, spec);
    for (const SpecChange& change : changes) {
      if (!Updatable(change.path)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "study \"", spec.name(), "\": ", FormatSpecChange(change),
            " cannot change on a live study (what can: max_trials, lease_seconds, max_retries, "
            "pruner, task.dataset.path and test_path); create a study of another name for it"));
      }
    }
    if (changes.empty()) return study->Summary();
    ASSIGN_OR_RETURN(std::unique_ptr<Pruner> pruner, MakePruner(spec));
    study->pruner = std::move(pruner);
    *study->study.mutable_spec() = spec;
    study->pending.push_back(StudySpecWrite{std::move(spec)});
    if (study->study.state() == v1::Study::COMPLETED && study->HasTrialsToRun()) {
      SetStudyState(*study, v1::Study::RUNNING);
    }
    MaybeComplete(*study);
    return study->Summary();
  });
}

absl::Status Coordinator::DeleteStudy(absl::string_view study_name, bool force) {
  return Transact(
      /*exclusive=*/true, [&](Batches& batches) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
        ASSIGN_OR_RETURN(StudyState * study, FindStudy(study_name));
        {
          absl::MutexLock lock(&study->mu);
          const int64_t running = study->Count(v1::Trial::RUNNING);
          if (!force && running > 0) {
            return absl::FailedPreconditionError(absl::StrCat(
                "study \"", study_name, "\" has ", running, " RUNNING trial",
                running == 1 ? "" : "s",
                "; stop it (drain lets them finish) and delete it after, or delete with force"));
          }
          study->pending.push_back(DeleteStudyWrite{std::string(study_name)});
          batches.push_back(Queue(*study));
        }
        // Nobody else holds the study: the map's lock is ours alone.
        studies_.erase(studies_.find(study_name));
        return absl::OkStatus();
      });
}

void Coordinator::SetStudyState(StudyState& study, v1::Study::State state, std::string reason) {
  study.pending.push_back(StudyStateWrite{study.study.spec().name(), state, reason});
  study.study.set_state(state);
  study.study.set_state_reason(std::move(reason));
}

void Coordinator::Store(StudyState& study, v1::Trial trial, std::string lease_id) {
  study.pending.push_back(TrialWrite{trial, lease_id});
  study.Put(std::move(trial), std::move(lease_id));
}

bool Coordinator::CanCreateTrial(const StudyState& study) const {
  return study.study.state() == v1::Study::RUNNING && study.HasRoomForTrials();
}

absl::StatusOr<v1::Trial*> Coordinator::NewTrial(StudyState& study, absl::string_view worker_id,
                                                 bool leased) {
  const v1::StudySpec& spec = study.study.spec();
  const int64_t number = static_cast<int64_t>(study.trials.size());
  ParamMap params;
  {
    ScopedTimer timer(&metrics_.sample_seconds);
    ASSIGN_OR_RETURN(params, study.sampler->Sample(spec, study.trials, number));
  }
  v1::Trial trial;
  trial.set_study_name(spec.name());
  trial.set_number(number);
  trial.set_state(v1::Trial::RUNNING);
  *trial.mutable_params() = std::move(params);
  trial.set_worker_id(std::string(worker_id));
  const int64_t now = clock_->NowMs();
  trial.set_start_time_ms(now);
  std::string lease_id;
  if (leased) {
    lease_id = NewLeaseId();
    trial.set_lease_expire_time_ms(now + LeaseMs(spec));
  }
  Store(study, std::move(trial), std::move(lease_id));
  ++study.sampled_trials;
  return &study.trials.back();
}

absl::StatusOr<v1::Trial*> Coordinator::StartWaitingTrial(StudyState& study,
                                                          absl::string_view worker_id,
                                                          bool leased) {
  const int64_t number = study.waiting.front();
  v1::Trial updated = study.trials[number];
  const v1::StudySpec& spec = study.study.spec();
  if (updated.params_size() < spec.params_size()) {
    ScopedTimer timer(&metrics_.sample_seconds);
    ASSIGN_OR_RETURN(ParamMap sampled, study.sampler->Sample(spec, study.trials, number));
    for (auto& [name, value] : sampled) updated.mutable_params()->insert({name, value});
  }
  study.waiting.pop_front();
  const int64_t now = clock_->NowMs();
  updated.set_state(v1::Trial::RUNNING);
  updated.set_worker_id(std::string(worker_id));
  updated.set_start_time_ms(now);
  std::string lease_id;
  if (leased) {
    lease_id = NewLeaseId();
    updated.set_lease_expire_time_ms(now + LeaseMs(study.study.spec()));
  }
  Store(study, std::move(updated), std::move(lease_id));
  return &study.trials[number];
}

absl::StatusOr<v1::Trial*> Coordinator::StartTrial(StudyState& study, absl::string_view worker_id,
                                                   bool leased) {
  if (study.study.state() != v1::Study::RUNNING) return nullptr;
  if (!study.waiting.empty()) return StartWaitingTrial(study, worker_id, leased);
  if (!CanCreateTrial(study)) return nullptr;
  return NewTrial(study, worker_id, leased);
}

void Coordinator::FailAndRetry(StudyState& study, int64_t number, absl::string_view reason) {
  const v1::Trial& trial = study.trials[number];
  int retries = 0;
  for (const v1::Trial* t = &trial; t->has_retry_of(); t = &study.trials[t->retry_of()]) {
    ++retries;
  }
  std::optional<v1::Trial> retry;
  if (retries < study.study.spec().max_retries()) {
    retry.emplace();
    retry->set_study_name(trial.study_name());
    retry->set_number(static_cast<int64_t>(study.trials.size()));
    retry->set_state(v1::Trial::WAITING);
    *retry->mutable_params() = trial.params();
    retry->set_retry_of(number);
  }
  Store(study, Finished(trial, v1::Trial::FAILED, std::nullopt, std::string(reason), {}), "");
  if (retry.has_value()) {
    study.waiting.push_back(retry->number());
    Store(study, *std::move(retry), "");
  }
  MaybeComplete(study);
}

absl::StatusOr<v1::AcquireTrialResponse> Coordinator::AcquireTrial(
    const v1::AcquireTrialRequest& request) {
  if (request.worker_id().empty()) {
    return absl::InvalidArgumentError("worker_id: must not be empty");
  }
  RETURN_IF_ERROR(CheckLength("worker_id", request.worker_id(), kMaxWorkerIdBytes));
  return Transact(
      /*exclusive=*/false,
      [&](Batches& batches)
          ABSL_SHARED_LOCKS_REQUIRED(mu_) -> absl::StatusOr<v1::AcquireTrialResponse> {
            std::vector<StudyState*> order;
            if (!request.study_name().empty()) {
              ASSIGN_OR_RETURN(StudyState * study, FindStudy(request.study_name()));
              order.push_back(study);
            } else {
              // Round robin: the studies after the last one served come first, so
              // that one endless study does not starve the others.
              std::string last;
              {
                absl::MutexLock lock(&acquire_mu_);
                last = last_acquired_;
              }
              order.reserve(studies_.size());
              auto first = studies_.upper_bound(last);
              for (auto it = first; it != studies_.end(); ++it) order.push_back(it->second.get());
              for (auto it = studies_.begin(); it != first; ++it) order.push_back(it->second.get());
            }
            v1::AcquireTrialResponse response;
            for (StudyState* study : order) {
              absl::MutexLock lock(&study->mu);
              if (!study->study.spec().has_task()) continue;
              absl::StatusOr<v1::Trial*> trial =
                  StartTrial(*study, request.worker_id(), /*leased=*/true);
              if (!study->pending.empty()) batches.push_back(Queue(*study));
              if (!trial.ok()) return trial.status();
              if (*trial == nullptr) continue;
              {
                absl::MutexLock acquire_lock(&acquire_mu_);
                last_acquired_ = study->study.spec().name();
              }
              *response.mutable_trial() = WithLease(*study, **trial);
              response.mutable_lease()->set_lease_id(study->leases.LeaseId((*trial)->number()));
              response.mutable_lease()->set_expire_time_ms(response.trial().lease_expire_time_ms());
              *response.mutable_spec() = study->study.spec();
              metrics_.acquires_with_trial.Increment();
              return response;
            }
            metrics_.acquires_without_trial.Increment();
            response.set_retry_after_ms(options_.retry_after_ms);
            return response;
          });
}

absl::StatusOr<v1::Trial*> Coordinator::LeasedTrial(StudyState* study, const v1::TrialRef& ref) {
  RETURN_IF_ERROR(CheckLength("trial.lease_id", ref.lease_id(), kMaxLeaseIdBytes));
  if (ref.trial_number() < 0 || ref.trial_number() >= static_cast<int64_t>(study->trials.size())) {
    return absl::NotFoundError(absl::StrCat("trial ", ref.trial_number(), " of study \"",
                                            ref.study_name(), "\" does not exist"));
  }
  v1::Trial& trial = study->trials[ref.trial_number()];
  if (trial.state() != v1::Trial::RUNNING) {
    return absl::FailedPreconditionError(absl::StrCat(
        TrialName(trial), " is already ", v1::Trial::State_Name(trial.state()),
        trial.fail_reason().empty() ? "" : absl::StrCat(" (", trial.fail_reason(), ")")));
  }
  const std::string lease_id = study->leases.LeaseId(ref.trial_number());
  if (lease_id != ref.lease_id()) {
    if (lease_id.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(TrialName(trial), " was asked for without a lease; finish it with Tell"));
    }
    return absl::FailedPreconditionError(
        ref.lease_id().empty()
            ? absl::StrCat(TrialName(trial), " is held under a lease: the call needs its lease_id")
            : absl::StrCat(TrialName(trial), ": lease lost (the lease_id does not match)"));
  }
  return &trial;
}

absl::StatusOr<v1::HeartbeatResponse> Coordinator::Heartbeat(const v1::TrialRef& ref) {
  RETURN_IF_ERROR(CheckLength("trial.lease_id", ref.lease_id(), kMaxLeaseIdBytes));
  const auto respond = [](const LeaseTable::Renewal& renewal) {
    v1::HeartbeatResponse response;
    response.set_lease_expire_time_ms(renewal.expire_time_ms);
    response.set_should_stop(renewal.should_stop);
    return response;
  };
  // Renewed under the lease table's lock alone, never waiting for the
  // study's, which a sampler may hold.
  ASSIGN_OR_RETURN(std::optional<LeaseTable::Renewal> renewal,
                   Transact(/*exclusive=*/false,
                            [&](Batches&) ABSL_SHARED_LOCKS_REQUIRED(
                                mu_) -> absl::StatusOr<std::optional<LeaseTable::Renewal>> {
                              ASSIGN_OR_RETURN(StudyState * study, FindStudy(ref.study_name()));
                              return study->leases.Renew(ref.trial_number(), ref.lease_id(),
                                                         clock_->NowMs());
                            }));
  if (renewal.has_value()) return respond(*renewal);
  // No such lease: the study's lock, for the message that says why.
  return TransactStudy(
      ref.study_name(), [&](StudyState* study) -> absl::StatusOr<v1::HeartbeatResponse> {
        RETURN_IF_ERROR(LeasedTrial(study, ref).status());
        std::optional<LeaseTable::Renewal> renewed =
            study->leases.Renew(ref.trial_number(), ref.lease_id(), clock_->NowMs());
        if (!renewed.has_value()) return absl::InternalError("a checked lease was not renewed");
        return respond(*renewed);
      });
}

absl::StatusOr<v1::ReportIntermediateResponse> Coordinator::ReportIntermediate(
    const v1::ReportIntermediateRequest& request) {
  if (request.step() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("step: must be >= 0 (got ", request.step(), ")"));
  }
  if (!std::isfinite(request.value())) {
    return absl::InvalidArgumentError(
        absl::StrCat("value: must be finite (got ", request.value(), ")"));
  }
  return TransactStudy(
      request.trial().study_name(),
      [&](StudyState* study) -> absl::StatusOr<v1::ReportIntermediateResponse> {
        ASSIGN_OR_RETURN(v1::Trial * trial, LeasedTrial(study, request.trial()));
        // A report is proof of life, as a heartbeat is.
        if (!request.trial().lease_id().empty()) {
          study->leases.Renew(trial->number(), request.trial().lease_id(), clock_->NowMs());
        }
        v1::ReportIntermediateResponse response;
        for (const v1::IntermediateValue& existing : trial->intermediate_values()) {
          // As in Optuna, a second report for a step is ignored; the caller is told.
          if (existing.step() == request.step()) {
            response.set_ignored(true);
            response.set_recorded_value(existing.value());
            return response;
          }
        }
        if (trial->intermediate_values_size() >= kMaxIntermediateValues) {
          return absl::InvalidArgumentError(
              absl::StrCat("step: ", TrialName(*trial), " already has ", kMaxIntermediateValues,
                           " intermediate values, the most a trial keeps"));
        }
        v1::IntermediateValue value;
        value.set_step(request.step());
        value.set_value(request.value());
        study->pending.push_back(
            IntermediateValueWrite{trial->study_name(), trial->number(), value});
        // Kept in step order, as the database gives them back after a restart.
        study->AddIntermediateValue(trial->number(), value);
        if (study->pruner->ShouldPrune(study->trials, *trial, request.step())) {
          Finish(*study, *trial, v1::Trial::PRUNED, request.value(), "", {});
          response.set_should_prune(true);
        }
        return response;
      });
}

v1::Trial Coordinator::WithLease(const StudyState& study, const v1::Trial& trial) {
  v1::Trial shown = trial;
  if (trial.state() == v1::Trial::RUNNING) {
    shown.set_lease_expire_time_ms(study.leases.ExpireTimeMs(trial.number()));
  }
  return shown;
}

v1::Trial Coordinator::Finished(const v1::Trial& trial, v1::Trial::State state,
                               std::optional<double> value, std::string reason,
                               const google::protobuf::Map<std::string, double>& user_attrs) const {
  v1::Trial updated = trial;
  updated.set_state(state);
  updated.set_complete_time_ms(clock_->NowMs());
  updated.set_lease_expire_time_ms(0);
  updated.set_fail_reason(std::move(reason));
  for (const auto& [key, attr] : user_attrs) (*updated.mutable_user_attrs())[key] = attr;
  if (value.has_value()) {
    updated.set_value(*value);
  } else if (state == v1::Trial::PRUNED && updated.intermediate_values_size() > 0) {
    // A pruned trial keeps the value of its last step, as in Optuna.
    updated.set_value(updated.intermediate_values().rbegin()->value());
  }
  return updated;
}

v1::Trial Coordinator::Finish(StudyState& study, const v1::Trial& trial, v1::Trial::State state,
                              std::optional<double> value, std::string reason,
                              const google::protobuf::Map<std::string, double>& user_attrs) {
  v1::Trial finished = Finished(trial, state, value, std::move(reason), user_attrs);
  if (state == v1::Trial::COMPLETE || state == v1::Trial::PRUNED) study.task_errors_in_a_row = 0;
  Store(study, finished, "");
  MaybeComplete(study);
  return finished;
}

void Coordinator::MaybeComplete(StudyState& study) {
  if (study.study.state() == v1::Study::DRAINING) {
    if (study.Count(v1::Trial::RUNNING) == 0) {
      SetStudyState(study, v1::Study::STOPPED, "drained: every running trial finished");
    }
    return;
  }
  const int32_t max_trials = study.study.spec().max_trials();
  if (study.study.state() != v1::Study::RUNNING || max_trials == 0 ||
      study.sampled_trials < max_trials || study.unfinished() > 0) {
    return;
  }
  SetStudyState(study, v1::Study::COMPLETED);
}

absl::StatusOr<v1::Trial> Coordinator::CompleteTrial(const v1::CompleteTrialRequest& request) {
  if (!std::isfinite(request.value())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value: must be finite (got ", request.value(), "); report a failure with FailTrial"));
  }
  return TransactStudy(request.trial().study_name(),
                       [&](StudyState* study) -> absl::StatusOr<v1::Trial> {
                         ASSIGN_OR_RETURN(v1::Trial * trial, LeasedTrial(study, request.trial()));
                         RETURN_IF_ERROR(CheckUserAttrs(*study, request.user_attrs()));
                         return Finish(*study, *trial, v1::Trial::COMPLETE, request.value(), "",
                                       request.user_attrs());
                       });
}

absl::StatusOr<v1::Trial> Coordinator::FailTrial(const v1::FailTrialRequest& request) {
  RETURN_IF_ERROR(CheckLength("reason", request.reason(), kMaxFailReasonBytes));
  return TransactStudy(
      request.trial().study_name(), [&](StudyState* study) -> absl::StatusOr<v1::Trial> {
        ASSIGN_OR_RETURN(v1::Trial * trial, LeasedTrial(study, request.trial()));
        const std::string reason = request.reason().empty() ? "failed by worker" : request.reason();
        if (request.task_error() && !request.retry()) {
          v1::Trial failed = Finish(*study, *trial, v1::Trial::FAILED, std::nullopt, reason, {});
          if (++study->task_errors_in_a_row >= options_.pause_after_task_errors &&
              study->study.state() == v1::Study::RUNNING) {
            SetStudyState(*study, v1::Study::PAUSED,
                          absl::StrCat(study->task_errors_in_a_row,
                                       " trials in a row could not run; the last: ", reason));
          }
          return failed;
        }
        if (!request.retry())
          return Finish(*study, *trial, v1::Trial::FAILED, std::nullopt, reason, {});
        const int64_t number = trial->number();
        FailAndRetry(*study, number, reason);
        return study->trials[number];
      });
}

absl::StatusOr<v1::AskResponse> Coordinator::Ask(const v1::AskRequest& request) {
  metrics_.asks.Increment();
  const std::string& study_name = request.study_name();
  return TransactStudy(study_name, [&](StudyState* study) -> absl::StatusOr<v1::AskResponse> {
    const v1::Study::State state = study->study.state();
    if (state == v1::Study::STOPPED || state == v1::Study::PAUSED || state == v1::Study::DRAINING) {
      return absl::FailedPreconditionError(
          absl::StrCat("study \"", study_name, "\" is ", v1::Study::State_Name(state),
                       study->study.state_reason().empty()
                           ? ""
                           : absl::StrCat(" (", study->study.state_reason(), ")")));
    }
    ASSIGN_OR_RETURN(v1::Trial * trial, StartTrial(*study, "ask", request.lease()));
    if (trial == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("study \"", study_name, "\" has reached max_trials (",
                       study->study.spec().max_trials(), ")", StillRunning(*study)));
    }
    v1::AskResponse response;
    *response.mutable_trial() = WithLease(*study, *trial);
    if (request.lease()) {
      response.mutable_lease()->set_lease_id(study->leases.LeaseId(trial->number()));
      response.mutable_lease()->set_expire_time_ms(response.trial().lease_expire_time_ms());
    }
    return response;
  });
}

absl::StatusOr<v1::Trial> Coordinator::Tell(const v1::TellRequest& request) {
  v1::Trial::State state =
      request.state() == v1::Trial::STATE_UNSPECIFIED ? v1::Trial::COMPLETE : request.state();
  if (state != v1::Trial::COMPLETE && state != v1::Trial::FAILED && state != v1::Trial::PRUNED) {
    return absl::InvalidArgumentError(
        absl::StrCat("state: must be COMPLETE, FAILED or PRUNED (got ",
                     v1::Trial::State_Name(state), ")"));
  }
  if (state == v1::Trial::COMPLETE && !request.has_value()) {
    return absl::InvalidArgumentError("value: required when state is COMPLETE");
  }
  if (request.has_value() && !std::isfinite(request.value())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value: must be finite (got ", request.value(), "); tell a failure with state FAILED"));
  }
  RETURN_IF_ERROR(CheckLength("fail_reason", request.fail_reason(), kMaxFailReasonBytes));
  return TransactStudy(request.study_name(), [&](StudyState* study) -> absl::StatusOr<v1::Trial> {
    v1::TrialRef ref;
    ref.set_study_name(request.study_name());
    ref.set_trial_number(request.trial_number());
    ref.set_lease_id(request.lease_id());
    absl::StatusOr<v1::Trial*> trial = LeasedTrial(study, ref);
    if (!trial.ok()) {
      // The pruner may have finished the trial when it last reported.
      const int64_t number = request.trial_number();
      if (state == v1::Trial::PRUNED && number >= 0 &&
          number < static_cast<int64_t>(study->trials.size()) &&
          study->trials[number].state() == v1::Trial::PRUNED) {
        return study->trials[number];
      }
      return trial.status();
    }
    RETURN_IF_ERROR(CheckUserAttrs(*study, request.user_attrs()));
    std::optional<double> value;
    if (request.has_value()) value = request.value();
    std::string reason = request.fail_reason();
    if (state == v1::Trial::FAILED && reason.empty()) reason = "told failed";
    return Finish(*study, **trial, state, value, std::move(reason), request.user_attrs());
  });
}

absl::StatusOr<v1::Trial> Coordinator::EnqueueTrial(const v1::EnqueueTrialRequest& request) {
  return TransactStudy(request.study_name(), [&](StudyState* study) -> absl::StatusOr<v1::Trial> {
    const v1::StudySpec& spec = study->study.spec();
    for (const auto& [name, value] : request.params()) {
      const v1::ParamSpec* param = FindParam(spec, name);
      if (param == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "params: \"", name, "\" is not a parameter of study \"", spec.name(), "\""));
      }
      if (absl::Status status = CheckParamValue(*param, value); !status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("params.", name, ": ", status.message()));
      }
    }
    RETURN_IF_ERROR(CheckUserAttrs(*study, request.user_attrs()));
    if (!study->HasRoomForTrials()) {
      return absl::FailedPreconditionError(
          absl::StrCat("study \"", spec.name(), "\" has reached max_trials (", spec.max_trials(),
                       "); raise max_trials (UpdateStudy) to enqueue more"));
    }
    v1::Trial trial;
    trial.set_study_name(spec.name());
    trial.set_number(static_cast<int64_t>(study->trials.size()));
    trial.set_state(v1::Trial::WAITING);
    *trial.mutable_params() = request.params();
    *trial.mutable_user_attrs() = request.user_attrs();
    study->waiting.push_back(trial.number());
    ++study->sampled_trials;
    Store(*study, trial, "");
    return trial;
  });
}

absl::StatusOr<v1::ListTrialsResponse> Coordinator::ListTrials(
    const v1::ListTrialsRequest& request) {
  if (request.page_size() < 0 || request.page_size() > options_.max_page_size) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be in [0, ",
                                                   options_.max_page_size, "] (got ",
                                                   request.page_size(), ")"));
  }
  if (request.start_number() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("start_number: must be >= 0 (got ", request.start_number(), ")"));
  }
  int64_t start = request.start_number();
  if (!request.page_token().empty() &&
      // A token is a trial number: at most 19 digits.
      (request.page_token().size() > 19 || !absl::SimpleAtoi(request.page_token(), &start) ||
       start < 0)) {
    return absl::InvalidArgumentError("page_token: not a token from ListTrials");
  }
  const int64_t page_size = request.page_size() == 0 ? 1000 : request.page_size();
  return TransactStudy(
      request.study_name(), [&](StudyState* study) -> absl::StatusOr<v1::ListTrialsResponse> {
        v1::ListTrialsResponse response;
        const int64_t total = static_cast<int64_t>(study->trials.size());
        // start may be anything up to INT64_MAX: compared, never added to.
        const int64_t end = start >= total ? total : start + std::min(total - start, page_size);
        int64_t bytes = 0;
        for (int64_t i = start; i < end; ++i) {
          const int64_t size = static_cast<int64_t>(study->trials[i].ByteSizeLong());
          if (i > start && bytes + size > options_.max_page_bytes) {
            response.set_next_page_token(absl::StrCat(i));
            return response;
          }
          bytes += size;
          *response.add_trials() = WithLease(*study, study->trials[i]);
        }
        if (end < total) response.set_next_page_token(absl::StrCat(end));
        return response;
      });
}

absl::StatusOr<Coordinator::ChangedTrials> Coordinator::ListChangedTrials(
    absl::string_view study_name, uint64_t changed_after, int64_t page_size) {
  if (page_size < 1 || page_size > options_.max_page_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be in [1, ", options_.max_page_size, "] (got ", page_size, ")"));
  }
  return TransactStudy(study_name, [&](StudyState* study) -> absl::StatusOr<ChangedTrials> {
    ChangedTrials changed;
    changed.revision = study->revision();
    int64_t bytes = 0;
    for (auto it = study->changes().upper_bound(changed_after); it != study->changes().end();
         ++it) {
      const v1::Trial& trial = study->trials[it->second];
      bytes += static_cast<int64_t>(trial.ByteSizeLong());
      if (static_cast<int64_t>(changed.trials.size()) == page_size ||
          (!changed.trials.empty() && bytes > options_.max_page_bytes)) {
        changed.more = true;
        changed.revision = std::prev(it)->first;
        break;
      }
      *changed.trials.Add() = WithLease(*study, trial);
    }
    return changed;
  });
}

absl::StatusOr<v1::Trial> Coordinator::GetBestTrial(absl::string_view study_name) {
  return TransactStudy(study_name, [&](StudyState* study) -> absl::StatusOr<v1::Trial> {
    const v1::Trial* best = study->Best();
    if (best == nullptr) {
      if (study->study.state() == v1::Study::RUNNING) {
        return absl::NotFoundError(
            absl::StrCat("study \"", study_name, "\" has no COMPLETE trial yet"));
      }
      return absl::NotFoundError(absl::StrCat(
          "study \"", study_name, "\" is ", v1::Study::State_Name(study->study.state()),
          " and none of its ", study->trials.size(),
          " trials is COMPLETE (ListTrials shows why they failed)"));
    }
    return *best;
  });
}

absl::Status Coordinator::CheckUserAttrs(
    const StudyState& study, const google::protobuf::Map<std::string, double>& attrs) const {
  if (static_cast<int>(attrs.size()) > kMaxUserAttrsPerTrial) {
    return absl::InvalidArgumentError(absl::StrCat("user_attrs: at most ", kMaxUserAttrsPerTrial,
                                                   " per trial (got ", attrs.size(), ")"));
  }
  int new_names = 0;
  for (const auto& [name, value] : attrs) {
    if (name.empty()) return absl::InvalidArgumentError("user_attrs: a name is empty");
    RETURN_IF_ERROR(CheckLength("user_attrs: a name", name, kMaxUserAttrNameBytes));
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("user_attrs[\"", name, "\"]: must be finite (got ", value, ")"));
    }
    if (!study.user_attr_names().contains(name)) ++new_names;
  }
  if (static_cast<int64_t>(study.user_attr_names().size()) + new_names >
      kMaxUserAttrNamesPerStudy) {
    return absl::InvalidArgumentError(
        absl::StrCat("user_attrs: study \"", study.study.spec().name(), "\" already has ",
                     study.user_attr_names().size(), " user attribute names; at most ",
                     kMaxUserAttrNamesPerStudy, " in all"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const StudySnapshot>> Coordinator::Snapshot(
    absl::string_view study_name) {
  constexpr int64_t kMinSnapshotAgeMs = 1000;
  bool taken = false;
  absl::StatusOr<std::shared_ptr<const StudySnapshot>> snapshot = TransactStudy(
      study_name, [&](StudyState* study) -> absl::StatusOr<std::shared_ptr<const StudySnapshot>> {
        const int64_t now = clock_->NowMs();
        if (study->snapshot != nullptr && (study->snapshot->revision == study->revision() ||
                                           now - study->snapshot->taken_ms < kMinSnapshotAgeMs)) {
          return study->snapshot;
        }
        taken = true;
        return std::make_shared<StudySnapshot>(StudySnapshot::Take(*study, now));
      });
  if (!snapshot.ok() || !taken) return snapshot;
  // Sorted outside the study's lock, then kept unless a newer one was.
  auto finished = std::const_pointer_cast<StudySnapshot>(*std::move(snapshot));
  finished->Finish();
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<StudyState*> study = FindStudy(study_name);
  if (study.ok()) {
    absl::MutexLock study_lock(&(*study)->mu);
    if ((*study)->snapshot == nullptr || (*study)->snapshot->taken_ms <= finished->taken_ms) {
      (*study)->snapshot = finished;
    }
  }
  return finished;
}

absl::StatusOr<v1::GetParamImportancesResponse> Coordinator::GetParamImportances(
    absl::string_view study_name) {
  ASSIGN_OR_RETURN(std::shared_ptr<const StudySnapshot> snapshot, Snapshot(study_name));
  v1::GetParamImportancesResponse response;
  response.set_method("ped_anova");
  response.set_n_trials(static_cast<int64_t>(snapshot->completed.size()));
  for (const ParamImportance& entry : PedAnovaImportances(snapshot->spec, snapshot->completed)) {
    v1::ParamImportance* out = response.add_importances();
    out->set_param(entry.param);
    out->set_importance(entry.importance);
  }
  return response;
}

absl::StatusOr<int> Coordinator::ReclaimExpiredLeases() {
  return Transact(/*exclusive=*/false,
                  [&](Batches& batches) ABSL_SHARED_LOCKS_REQUIRED(mu_) -> absl::StatusOr<int> {
                    const int64_t now = clock_->NowMs();
                    int reclaimed = 0;
                    for (auto& [name, study] : studies_) {
                      absl::MutexLock lock(&study->mu);
                      const std::vector<int64_t> expired = study->leases.TakeExpired(now);
                      for (int64_t number : expired) {
                        FailAndRetry(*study, number, "lease expired");
                        ++reclaimed;
                      }
                      if (!expired.empty()) batches.push_back(Queue(*study));
                    }
                    metrics_.lease_expiries.Increment(reclaimed);
                    return reclaimed;
                  });
}

}  // namespace hpo::server
