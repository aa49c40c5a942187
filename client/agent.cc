#include "client/agent.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/child_output.h"
#include "client/child_process.h"
#include "client/interrupts.h"
#include "client/metric_lines.h"
#include "client/trial_command.h"
#include "client/trial_format.h"
#include "common/api_limits.h"
#include "common/bounded_text.h"
#include "common/lease_keeper.h"
#include "common/objective.h"
#include "common/status_macros.h"
#include "common/trial_stop.h"

namespace hpo::client {
namespace {

using Clock = std::chrono::steady_clock;

// How much of a failed command's stderr its trial's fail_reason quotes.
constexpr size_t kStderrTailBytes = 3000;

// Reads what `fd` holds now (it is non-blocking), passing each chunk to
// `on_chunk`; false at end of file (or an error): the stream is closed.
template <typename OnChunk>
bool ReadAvailable(int fd, const OnChunk& on_chunk) {
  char buffer[16384];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      on_chunk(std::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

std::string Seconds(std::chrono::milliseconds duration) {
  return absl::StrCat(duration.count() / 1000.0, " s");
}

// The metrics worth keeping with the trial, within the coordinator's limits.
google::protobuf::Map<std::string, double> UserAttrs(const TrialMetrics& metrics) {
  google::protobuf::Map<std::string, double> attrs;
  for (const auto& [name, value] : metrics.last()) {
    if (static_cast<int>(attrs.size()) == kMaxUserAttrsPerTrial) break;
    if (std::isfinite(value) && static_cast<int64_t>(name.size()) <= kMaxUserAttrNameBytes) {
      attrs[name] = value;
    }
  }
  return attrs;
}

// A Tell of the leased trial `ref` in `state`.
v1::TellRequest TellFor(const v1::TrialRef& ref, v1::Trial::State state) {
  v1::TellRequest request;
  request.set_study_name(ref.study_name());
  request.set_trial_number(ref.trial_number());
  request.set_lease_id(ref.lease_id());
  request.set_state(state);
  return request;
}

// A FailTrial of `ref`; with `retry`, the trial is queued again.
v1::FailTrialRequest FailFor(const v1::TrialRef& ref, const std::string& reason, bool retry) {
  v1::FailTrialRequest request;
  *request.mutable_trial() = ref;
  request.set_reason(reason);
  request.set_retry(retry);
  return request;
}

}  // namespace

Agent::Agent(CoordinatorClient* client, AgentOptions options, std::ostream& log)
    : client_(client), options_(std::move(options)), log_(log) {}

absl::Status Agent::Run() {
  ASSIGN_OR_RETURN(v1::Study study, client_->GetStudy(options_.study));
  if (study.spec().has_task()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "study \"", options_.study,
        "\" has a task: hpo-worker trains its trials; hpo agent runs the trials of a study "
        "without one"));
  }
  spec_ = study.spec();
  // A command that cannot start would fail every trial: say so before any.
  if (options_.command[0].find('{') == std::string::npos) {
    RETURN_IF_ERROR(FindExecutable(options_.command[0]).status());
  }
  for (const std::string& name : ParamsNotInCommand(options_.command, spec_)) {
    log_ << "hpo agent: the command has no {" << name << "}: parameter " << name
         << " reaches it in HPO_PARAMS only\n";
  }
  for (int64_t ran = 0; options_.count == 0 || ran < options_.count; ++ran) {
    ASSIGN_OR_RETURN(std::optional<v1::AskResponse> asked, NextTrial());
    if (!asked) return absl::OkStatus();
    const int64_t number = asked->trial().number();
    const Result result = RunTrial(*asked);
    log_ << "hpo agent: trial " << number << " " << result.detail << "\n";
    if (result.outcome == Outcome::kGivenBack) {
      return absl::CancelledError(
          absl::StrCat("interrupted: trial ", number, " was given back and runs again"));
    }
    if (result.outcome != Outcome::kFailed) continue;
    const Clock::time_point now = Clock::now();
    failures_.push_back(now);
    while (now - failures_.front() > options_.failure_window) failures_.pop_front();
    if (static_cast<int>(failures_.size()) >= options_.max_failures) {
      return absl::AbortedError(
          absl::StrCat(failures_.size(), " trials failed within ", Seconds(options_.failure_window),
                       ", so hpo agent stopped rather than use the study up (the last, trial ",
                       number, ", ", result.detail, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::AskResponse>> Agent::NextTrial() {
  bool said_waiting = false;
  while (true) {
    if (Interrupts() > 0) return absl::CancelledError("interrupted");
    absl::StatusOr<v1::AskResponse> asked = client_->Ask(options_.study, /*lease=*/true);
    if (asked.ok()) return std::optional<v1::AskResponse>(*std::move(asked));
    if (Interrupts() > 0) return absl::CancelledError("interrupted");
    if (!absl::IsFailedPrecondition(asked.status())) {
      return absl::Status(asked.status().code(),
                          absl::StrCat("asking for a trial: ", asked.status().message()));
    }
    ASSIGN_OR_RETURN(v1::Study study, client_->GetStudy(options_.study));
    if (study.state() == v1::Study::COMPLETED || study.state() == v1::Study::STOPPED) {
      log_ << "hpo agent: study \"" << options_.study << "\" is "
           << v1::Study::State_Name(study.state()) << ": no more trials\n";
      return std::nullopt;
    }
    // Running trials may fail and be retried; a paused study may resume.
    if (!said_waiting) log_ << "hpo agent: waiting: " << asked.status().message() << "\n";
    said_waiting = true;
    for (int i = 0; i < 20 && Interrupts() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

Agent::Result Agent::Fail(const v1::TrialRef& ref, const std::string& reason) {
  v1::TellRequest request = TellFor(ref, v1::Trial::FAILED);
  request.set_fail_reason(BoundedText(reason));
  absl::Status status = client_->Tell(request).status();
  if (!status.ok()) {
    return {Outcome::kFailed,
            absl::StrCat("FAILED: ", reason, " (and telling so failed: ", status.message(), ")")};
  }
  return {Outcome::kFailed, absl::StrCat("FAILED: ", reason)};
}

Agent::Result Agent::RunTrial(const v1::AskResponse& asked) {
  const v1::Trial& trial = asked.trial();
  v1::TrialRef ref;
  ref.set_study_name(trial.study_name());
  ref.set_trial_number(trial.number());
  ref.set_lease_id(asked.lease().lease_id());
  const TrialCommand command =
      BuildTrialCommand(options_.command, trial, spec_, client_->address());
  log_ << "hpo agent: trial " << trial.number() << " of " << trial.study_name() << ": "
       << TrialToJson(trial, spec_)["params"].dump() << std::endl;
  absl::StatusOr<ChildProcess> child = ChildProcess::Start({command.argv, "", command.env});
  if (!child.ok()) return Fail(ref, std::string(child.status().message()));

  LeaseKeeper lease(client_, ref, LeaseKeeper::PeriodFor(spec_.lease_seconds()));
  const std::string metric = ObjectiveMetric(spec_);
  TrialMetrics metrics(metric);
  LineSplitter lines;
  OutputTail stderr_tail(kStderrTailBytes);
  TrialStop stop;
  bool warned = false;
  auto on_stdout_line = [&](std::string_view line) {
    const std::optional<TrialMetrics::Report> report = metrics.Add(line);
    if (!report || stop.stopping()) return;
    absl::StatusOr<v1::ReportIntermediateResponse> reply =
        client_->Report(ref, report->step, report->value);
    if (reply.ok() && reply->should_prune()) {
      stop = {TrialStop::kPruned, absl::StrCat("PRUNED at step ", report->step)};
    } else if (absl::IsFailedPrecondition(reply.status()) || absl::IsNotFound(reply.status())) {
      stop = {TrialStop::kLeaseLost, std::string(reply.status().message())};
    } else if (IsNoAnswer(reply.status())) {
      stop = {TrialStop::kCallFailed, std::string(reply.status().message())};
    } else if (!reply.ok() && !warned) {
      // A bad report (a negative step, too many steps) is the command's
      // mistake, not a reason to stop it.
      log_ << "hpo agent: trial " << trial.number() << ": step " << report->step
           << " not recorded: " << reply.status().message() << "\n";
      warned = true;
    }
  };
  auto on_stdout = [&](std::string_view chunk) {
    std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::cout.flush();
    lines.Add(chunk, on_stdout_line);
  };
  auto on_stderr = [&](std::string_view chunk) {
    std::cerr.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    stderr_tail.Add(chunk);
  };

  const Clock::time_point deadline =
      options_.timeout.count() > 0 ? Clock::now() + options_.timeout : Clock::time_point::max();
  bool stdout_open = true;
  bool stderr_open = true;
  bool timed_out = false;
  while (true) {
    pollfd fds[2];
    nfds_t count = 0;
    if (stdout_open) fds[count++] = {child->stdout_fd(), POLLIN, 0};
    if (stderr_open) fds[count++] = {child->stderr_fd(), POLLIN, 0};
    // Closed pipes leave the exit to be noticed: look often then.
    poll(fds, count, count > 0 ? 100 : 2);
    if (stdout_open) stdout_open = ReadAvailable(child->stdout_fd(), on_stdout);
    if (stderr_open) stderr_open = ReadAvailable(child->stderr_fd(), on_stderr);
    if (!stop.stopping()) {
      if (Interrupts() > 0) {
        stop = {TrialStop::kWorkerStopped, "hpo agent interrupted"};
      } else {
        stop = lease.Stop();
      }
    }
    timed_out = !stop.stopping() && Clock::now() >= deadline;
    if (stop.stopping() || timed_out || !child->Running()) break;
  }
  if (stop.stopping() || timed_out) {
    child->Stop(options_.stop_grace, [] { return Interrupts() > 1; });
  }
  // What the command wrote before it exited (its pipes may stay open in what
  // it started, so read only what is there).
  if (stdout_open) ReadAvailable(child->stdout_fd(), on_stdout);
  if (stderr_open) ReadAvailable(child->stderr_fd(), on_stderr);
  lines.Finish(on_stdout_line);
  std::cout.flush();

  switch (stop.reason) {
    case TrialStop::kNone:
      break;
    case TrialStop::kPruned:
      return {Outcome::kOver, stop.detail};
    case TrialStop::kWorkerStopped: {
      absl::Status status = client_->FailTrial(FailFor(ref, stop.detail, /*retry=*/true)).status();
      return {Outcome::kGivenBack, status.ok()
                                       ? "given back"
                                       : absl::StrCat("not given back (", status.message(),
                                                      "): it runs again when its lease expires")};
    }
    case TrialStop::kStudyStopped:
      (void)client_->FailTrial(FailFor(ref, stop.detail, /*retry=*/false));
      return {Outcome::kOver, "stopped: study stopped"};
    case TrialStop::kLeaseLost:
    case TrialStop::kCallFailed:
      return {Outcome::kOver, absl::StrCat("stopped: ", stop.detail)};
  }
  const std::string& program = options_.command[0];
  if (timed_out) {
    return Fail(ref, absl::StrCat(program, " ran longer than --timeout ", Seconds(options_.timeout),
                                  " and was stopped"));
  }
  if (!child->exited_ok()) {
    std::string reason = absl::StrCat(program, " ", child->ExitDescription().value_or("exited"));
    const std::string tail = stderr_tail.Text();
    if (!tail.empty()) absl::StrAppend(&reason, "; the end of its stderr:\n", tail);
    return Fail(ref, reason);
  }
  const std::optional<double> value = metrics.objective();
  if (!value) {
    return Fail(ref, absl::StrCat(program, " exited with status 0 without reporting the objective ",
                                  metric, ": print a line \"", metric, "=NUMBER\" on stdout"));
  }
  if (!std::isfinite(*value)) {
    return Fail(ref, absl::StrCat("its objective ", metric, " was ", *value));
  }
  v1::TellRequest request = TellFor(ref, v1::Trial::COMPLETE);
  request.set_value(*value);
  *request.mutable_user_attrs() = UserAttrs(metrics);
  absl::StatusOr<v1::Trial> told = client_->Tell(request);
  if (absl::IsInvalidArgument(told.status()) && !request.user_attrs().empty()) {
    // The study's limit on attribute names: the result matters more.
    log_ << "hpo agent: trial " << trial.number()
         << ": metrics not kept as user attributes: " << told.status().message() << "\n";
    request.clear_user_attrs();
    told = client_->Tell(request);
  }
  if (!told.ok()) return {Outcome::kOver, absl::StrCat("not told: ", told.status().message())};
  return {Outcome::kComplete, absl::StrCat("COMPLETE ", metric, " ", *value)};
}

}  // namespace hpo::client
