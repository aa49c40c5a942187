#include "worker/worker.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/bounded_text.h"
#include "common/connection.h"
#include "common/lease_keeper.h"
#include "common/log_line.h"
#include "common/objective.h"
#include "common/status_macros.h"
#include "worker/engine/trainer.h"
#include "worker/task_plan.h"

namespace hpo::worker {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps for `duration` unless `stop` becomes true first.
void SleepUnlessStopped(std::chrono::milliseconds duration, const std::atomic<bool>& stop) {
  const auto end = Clock::now() + duration;
  while (!stop && Clock::now() < end) {
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(50),
                                                          end - Clock::now()));
  }
}

std::string DataKey(const engine::DataConfig& c) {
  return absl::StrCat(c.name, "|", c.path, "|", c.test_path, "|", c.train_examples, "|",
                      c.validation_examples, "|", c.seed);
}

// `f()`, with an allocation failure turned into RESOURCE_EXHAUSTED: a study
// whose model or data does not fit fails its trial, not the worker.
template <typename F>
auto CatchOutOfMemory(F f, absl::string_view what) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("out of memory ", what));
  }
}

}  // namespace

absl::StatusOr<const engine::DataSplit*> Worker::Data(engine::DataConfig config) {
  RETURN_IF_ERROR(options_.data_roots.ResolveDataConfig(&config));
  config.max_bytes = options_.max_data_bytes;
  std::string key = DataKey(config);
  if (data_ == nullptr || key != data_key_) {
    data_.reset();
    ASSIGN_OR_RETURN(
        engine::DataSplit split,
        CatchOutOfMemory([&] { return engine::LoadData(config); }, "loading the data"));
    data_ = std::make_unique<engine::DataSplit>(std::move(split));
    data_key_ = std::move(key);
  }
  return data_.get();
}

absl::Status Worker::Run(const std::atomic<bool>& stop) {
  RetryPolicy policy;
  policy.rpc_timeout = options_.rpc_timeout;
  policy.retry_for = kRetryForever;
  policy.stop = &stop;
  policy.on_retry = [](const absl::Status& status, std::chrono::milliseconds wait) {
    LogLine() << "hpo-worker: " << status.message() << ", retrying in " << wait.count() << " ms\n";
  };
  CoordinatorClient client(channel_, options_.coordinator_address, options_.token,
                           std::move(policy), /*plaintext=*/!options_.tls);
  int64_t trials_done = 0;
  auto idle_since = Clock::now();
  while (!stop && (options_.max_trials == 0 || trials_done < options_.max_trials)) {
    v1::AcquireTrialRequest request;
    request.set_worker_id(options_.worker_id);
    request.set_study_name(options_.study_name);
    // --exit-when-idle holds for an unreachable coordinator too.
    std::optional<Clock::time_point> give_up_at;
    if (options_.exit_when_idle_s > 0) {
      give_up_at = idle_since + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options_.exit_when_idle_s));
    }
    absl::StatusOr<v1::AcquireTrialResponse> response = client.AcquireTrial(request, give_up_at);
    if (stop) break;
    if (IsNoAnswer(response.status())) {
      return absl::UnavailableError(
          absl::StrCat("no answer from the coordinator for ", options_.exit_when_idle_s,
                       " s (--exit-when-idle): ", response.status().message()));
    }
    if (!response.ok()) {
      return absl::Status(response.status().code(),
                          absl::StrCat("acquiring a trial: ", response.status().message()));
    }
    if (!response->has_trial()) {
      if (options_.exit_when_idle_s > 0 &&
          std::chrono::duration<double>(Clock::now() - idle_since).count() >=
              options_.exit_when_idle_s) {
        break;
      }
      SleepUnlessStopped(
          std::chrono::milliseconds(std::max<int64_t>(response->retry_after_ms(), 50)), stop);
      continue;
    }
    RETURN_IF_ERROR(RunTrial(client, *response, stop));
    ++trials_done;
    idle_since = Clock::now();
  }
  return absl::OkStatus();
}

absl::Status Worker::RunTrial(CoordinatorClient& client, const v1::AcquireTrialResponse& acquired,
                              const std::atomic<bool>& stop) {
  const v1::Trial& trial = acquired.trial();
  v1::TrialRef ref;
  ref.set_study_name(trial.study_name());
  ref.set_trial_number(trial.number());
  ref.set_lease_id(acquired.lease().lease_id());
  const std::string label = absl::StrCat("trial ", trial.number(), " of ", trial.study_name());
  LogLine() << "hpo-worker " << options_.worker_id << ": " << label << " started\n";

  // `retry`: the trial did not fail on its own; the coordinator queues it again.
  // `task_error`: the study's task cannot run here (see FailTrialRequest).
  auto fail = [&](absl::string_view reason, bool retry = false, bool task_error = false) {
    LogLine() << "hpo-worker " << options_.worker_id << ": " << label << " FAILED: " << reason
              << "\n";
    v1::FailTrialRequest request;
    *request.mutable_trial() = ref;
    request.set_reason(BoundedText(reason));
    request.set_retry(retry);
    request.set_task_error(task_error);
    absl::Status status = client.FailTrial(request).status();
    if (!status.ok()) {
      LogLine() << "hpo-worker: could not report the failure of " << label << ": "
                << status.message() << "\n";
    }
  };

  absl::StatusOr<TaskPlan> plan = PlanTask(acquired.spec().task(), trial.params());
  const std::string metric = ObjectiveMetric(acquired.spec());
  const absl::StatusOr<double engine::EpochReport::*> metric_field = EngineMetricField(metric);
  if (!plan.ok() || !metric_field.ok()) {
    fail(plan.ok() ? metric_field.status().message() : plan.status().message(), /*retry=*/false,
         /*task_error=*/true);
    return absl::OkStatus();
  }
  plan->train.threads = options_.threads;
  absl::StatusOr<const engine::DataSplit*> data = Data(plan->data);
  if (!data.ok()) {
    if (options_.study_name.empty()) {
      // Other studies may still run here; this one is paused by the
      // coordinator once its trials fail so several times in a row.
      fail(absl::StrCat("cannot load the data: ", data.status().message()), /*retry=*/false,
           /*task_error=*/true);
      return absl::OkStatus();
    }
    // Serving this study alone: every trial needs this data, and failing them
    // one by one would use the study up. Give this one back and stop.
    fail(data.status().message(), /*retry=*/true);
    std::error_code ignored;
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the data of study ", trial.study_name(), ": ",
                     data.status().message(), "; gave ", label,
                     " back and stopped (relative paths are read from this worker's "
                     "directory, ",
                     std::filesystem::current_path(ignored).string(),
                     "; data roots: ", absl::StrJoin(options_.data_roots.roots(), ", "), ")"));
  }

  LeaseKeeper lease(&client, ref, LeaseKeeper::PeriodFor(acquired.spec().lease_seconds()));
  TrialStop stop_reason;
  auto on_epoch = [&](const engine::EpochReport& report) {
    {
      LogLine line;
      line << "hpo-worker " << options_.worker_id << ": " << label << " epoch " << report.epoch
           << " val_loss " << report.val_loss;
      // Regression has no accuracy.
      if (std::isfinite(report.val_accuracy)) line << " val_accuracy " << report.val_accuracy;
      line << " (" << static_cast<int64_t>(report.samples_per_s) << " samples/s)";
    }
    absl::StatusOr<v1::ReportIntermediateResponse> reply =
        client.Report(ref, report.epoch, report.**metric_field);
    if (stop) {
      stop_reason = {TrialStop::kWorkerStopped, "worker stopped"};
    } else if (!reply.ok()) {
      stop_reason = {TrialStop::kCallFailed, std::string(reply.status().message())};
    } else if (reply->should_prune()) {
      stop_reason = {TrialStop::kPruned, "pruned"};
    } else {
      stop_reason = lease.Stop();
    }
    return stop_reason.stopping() ? engine::Decision::kStop : engine::Decision::kContinue;
  };
  absl::StatusOr<engine::TrainSummary> summary = CatchOutOfMemory(
      [&] { return engine::Train(plan->train, **data, on_epoch); }, "training the model");
  if (!summary.ok()) {
    // A model that does not fit cannot run on any trial of the study.
    fail(summary.status().message(), /*retry=*/false,
         /*task_error=*/absl::IsResourceExhausted(summary.status()));
    return absl::OkStatus();
  }
  // A stop that came with the last epoch's report is too late to save anything:
  // the trial has its result.
  const bool trained = static_cast<int>(summary->epochs.size()) == plan->train.epochs;
  if (stop_reason.reason == TrialStop::kWorkerStopped && trained) stop_reason = {};
  if (stop_reason.stopping() || summary->epochs.empty()) {
    // Given back, or failed; pruned or a lost lease: the coordinator has
    // already finished this trial.
    if (stop_reason.reason == TrialStop::kWorkerStopped) fail(stop_reason.detail, /*retry=*/true);
    if (stop_reason.reason == TrialStop::kStudyStopped) fail(stop_reason.detail);
    LogLine() << "hpo-worker " << options_.worker_id << ": " << label
              << " stopped: " << stop_reason.detail << "\n";
    return absl::OkStatus();
  }

  const engine::EpochReport& last = summary->epochs.back();
  v1::CompleteTrialRequest request;
  *request.mutable_trial() = ref;
  const double value = last.**metric_field;
  request.set_value(value);
  auto& attrs = *request.mutable_user_attrs();
  attrs["val_loss"] = last.val_loss;
  attrs["train_loss"] = last.train_loss;
  attrs["epochs"] = last.epoch;
  attrs["samples_per_s"] = last.samples_per_s;
  if (std::isfinite(last.val_accuracy)) attrs["val_accuracy"] = last.val_accuracy;
  if (std::isfinite(summary->test_accuracy)) attrs["test_accuracy"] = summary->test_accuracy;
  absl::Status status = client.CompleteTrial(request).status();
  if (!status.ok()) {
    LogLine() << "hpo-worker: could not complete " << label << ": " << status.message() << "\n";
    return absl::OkStatus();
  }
  LogLine() << "hpo-worker " << options_.worker_id << ": " << label << " COMPLETE " << metric << " "
            << value << "\n";
  return absl::OkStatus();
}

}  // namespace hpo::worker
