#include "worker/run_once.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/param_assignment.h"
#include "common/spec_loader.h"
#include "common/status_macros.h"
#include "worker/engine/data.h"
#include "worker/engine/trainer.h"
#include "worker/task_plan.h"

namespace hpo::worker {
namespace {

std::string Number(double value) { return absl::StrFormat("%.6g", value); }

std::string ValueText(const v1::ParamValue& value) {
  if (value.has_float_value()) return Number(value.float_value());
  if (value.has_int_value()) return absl::StrCat(value.int_value());
  return value.categorical_value();
}

// The parameter's middle: see ChooseParams.
v1::ParamValue Middle(const v1::ParamSpec& param, std::string* why) {
  v1::ParamValue value;
  if (param.has_float_distribution()) {
    const v1::FloatDistribution& d = param.float_distribution();
    double middle = d.log() ? std::sqrt(d.low() * d.high()) : 0.5 * (d.low() + d.high());
    if (!d.log() && d.step() > 0) {
      middle = d.low() + d.step() * std::round((middle - d.low()) / d.step());
    }
    value.set_float_value(middle);
    *why = absl::StrCat(d.log() ? "geometric middle" : "middle", " of [", Number(d.low()), ", ",
                        Number(d.high()), "]");
  } else if (param.has_int_distribution()) {
    const v1::IntDistribution& d = param.int_distribution();
    const int64_t step = d.step() > 0 ? d.step() : 1;
    const double middle = d.log() ? std::sqrt(static_cast<double>(d.low()) * d.high())
                                  : 0.5 * static_cast<double>(d.low() + d.high());
    int64_t chosen = d.low() + step * std::llround((middle - d.low()) / step);
    chosen = std::min(chosen, d.high());
    value.set_int_value(chosen);
    *why = absl::StrCat(d.log() ? "geometric middle" : "middle", " of [", d.low(), ", ", d.high(),
                        "]");
  } else {
    value.set_categorical_value(param.categorical_distribution().choices(0));
    *why = absl::StrCat("first of {",
                        absl::StrJoin(param.categorical_distribution().choices(), ", "), "}");
  }
  return value;
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.6g", value);
}

}  // namespace

absl::StatusOr<ParamMap> ChooseParams(const v1::StudySpec& spec,
                                      const std::vector<std::string>& assignments,
                                      std::vector<std::string>* notes) {
  ASSIGN_OR_RETURN(ParamMap params, ParseParamAssignments(spec, assignments));
  for (const v1::ParamSpec& param : spec.params()) {
    auto it = params.find(param.name());
    if (it != params.end()) {
      notes->push_back(absl::StrCat(param.name(), " = ", ValueText(it->second), " (set)"));
      continue;
    }
    std::string why;
    const v1::ParamValue value = Middle(param, &why);
    notes->push_back(absl::StrCat(param.name(), " = ", ValueText(value), " (", why, ")"));
    params[param.name()] = value;
  }
  return params;
}

int RunOnce(const std::string& spec_path, const std::vector<std::string>& assignments, int threads,
            std::ostream& out, std::ostream& err) {
  auto fail = [&err](const absl::Status& status) {
    err << "hpo-worker run-once: " << status.message() << "\n";
    return 1;
  };
  absl::StatusOr<v1::StudySpec> spec = LoadStudySpecFile(spec_path);
  if (!spec.ok()) return fail(spec.status());
  if (!spec->has_task()) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat(spec_path, ": the spec has no task; run-once trains a study's task")));
  }
  std::vector<std::string> notes;
  absl::StatusOr<ParamMap> params = ChooseParams(*spec, assignments, &notes);
  if (!params.ok()) return fail(params.status());
  for (const std::string& note : notes) out << "param " << note << "\n";
  absl::StatusOr<TaskPlan> plan = PlanTask(spec->task(), *params);
  if (!plan.ok()) return fail(plan.status());
  plan->train.threads = threads;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<engine::DataSplit> split = engine::LoadData(plan->data);
  if (!split.ok()) return fail(split.status());
  out << "data " << plan->data.name << ": " << split->train.size() << " train, "
      << split->validation.size() << " validation, " << split->test.size() << " test examples\n";
  out.flush();
  const int epochs = plan->train.epochs;
  absl::StatusOr<engine::TrainSummary> summary =
      engine::Train(plan->train, *split, [&out, epochs](const engine::EpochReport& r) {
        out << absl::StrFormat(
            "epoch %d/%d: train_loss %.4f  val_loss %.4f  val_accuracy %s  lr %.3g  %.2f s  "
            "%.0f samples/s\n",
            r.epoch, epochs, r.train_loss, r.val_loss,
            std::isnan(r.val_accuracy) ? "n/a" : absl::StrFormat("%.4f", r.val_accuracy), r.lr,
            r.seconds, r.samples_per_s);
        out.flush();
        return engine::Decision::kContinue;
      });
  if (!summary.ok()) return fail(summary.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate_sum = 0;
  for (const engine::EpochReport& r : summary->epochs) rate_sum += r.samples_per_s;
  const engine::EpochReport& last = summary->epochs.back();
  out << "{\"samples_per_s\": " << JsonNumber(rate_sum / summary->epochs.size())
      << ", \"val_loss\": " << JsonNumber(last.val_loss)
      << ", \"val_accuracy\": " << JsonNumber(last.val_accuracy)
      << ", \"test_accuracy\": " << JsonNumber(summary->test_accuracy)
      << ", \"test_loss\": " << JsonNumber(summary->test_loss)
      << ", \"epochs\": " << summary->epochs.size() << ", \"seconds\": " << JsonNumber(seconds)
      << "}\n";
  return 0;
}

}  // namespace hpo::worker
