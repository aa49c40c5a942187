// A shared coordinator (issue #13): one user's expensive study must not stall
// the others, and no stream of calls may grow the coordinator's memory
// without bound. Starts a real hpo-coordinator and prints two results:
//
// 1. Isolation. A probe calls GetStudy and Heartbeat on a light study, first
//    on an idle coordinator, then while three clients loop Ask + Tell on a
//    TPE study of the largest categorical space the validator accepts
//    (prefilled with --prefill told trials). Prints the probe's p50 / p99 /
//    max in both phases, their ratio, and the heavy Asks' own latency.
// 2. Memory. Sends about --megabytes of the largest calls the API refuses and
//    accepts (oversized messages and strings, 4 KiB fail reasons, 64 user
//    attributes of 128-byte names, pages of big trials) and prints the
//    coordinator's resident memory before and after, per kind of call.
//
//   coordinator_isolation_bench [--seconds 10] [--prefill 100] [--megabytes 1024]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/api_limits.h"
#include "hpo/v1/coordinator.grpc.pb.h"
#include "tests/bench/common/coordinator_process.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Stub = v1::Coordinator::Stub;

struct Options {
  double seconds = 10;
  int prefill = 100;
  int64_t megabytes = 1024;
};

std::unique_ptr<Stub> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  args.SetMaxSendMessageSize(16 << 20);
  // Every stub its own connection, as separate users have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::Coordinator::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

template <typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return (stub.*method)(&context, request, response);
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Thrown, so that the coordinator process is stopped on the way out.
[[noreturn]] void Die(const std::string& what, const grpc::Status& status) {
  throw std::runtime_error(absl::StrCat(what, ": ", status.error_message()));
}

// The most costly TPE study the validator lets in: params x choices x
// candidates at its bound, the choices short enough for the spec's size bound.
v1::StudySpec HeavyStudy() {
  v1::StudySpec spec;
  spec.set_name("heavy");
  spec.mutable_sampler()->set_type("tpe");
  spec.mutable_sampler()->set_seed(1);
  spec.mutable_sampler()->set_n_startup_trials(0);
  for (int p = 0; p < 10; ++p) {
    v1::ParamSpec* param = spec.add_params();
    param->set_name(absl::StrCat("c", p));
    for (int c = 0; c < 1000; ++c) {
      param->mutable_categorical_distribution()->add_choices(absl::StrCat(c));
    }
  }
  return spec;
}

v1::StudySpec LightStudy(const std::string& name) {
  v1::StudySpec spec;
  spec.set_name(name);
  spec.set_lease_seconds(600);
  AddFloat(&spec, "lr", 1e-5, 1e-1, /*log=*/true);
  v1::TaskSpec* task = spec.mutable_task();
  task->mutable_dataset()->set_name("synthetic-regression");
  task->mutable_model()->set_type("linear");
  return spec;
}

void AskAndTell(Stub& stub, const std::string& study, double value, std::vector<double>* ask_ms) {
  v1::AskRequest ask;
  ask.set_study_name(study);
  v1::AskResponse asked;
  const auto start = Clock::now();
  grpc::Status status = Call(stub, &Stub::Ask, ask, &asked);
  if (ask_ms != nullptr) ask_ms->push_back(MsSince(start));
  if (!status.ok()) Die("Ask", status);
  v1::TellRequest tell;
  tell.set_study_name(study);
  tell.set_trial_number(asked.trial().number());
  tell.set_value(value);
  v1::Trial told;
  if (status = Call(stub, &Stub::Tell, tell, &told); !status.ok()) Die("Tell", status);
}

struct ProbeResult {
  std::vector<double> get_study_ms;
  std::vector<double> heartbeat_ms;
};

// GetStudy and Heartbeat on the light study, back to back, for `seconds`.
ProbeResult Probe(Stub& stub, const v1::TrialRef& ref, double seconds) {
  ProbeResult result;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  v1::GetStudyRequest get;
  get.set_study_name(ref.study_name());
  v1::HeartbeatRequest beat;
  *beat.mutable_trial() = ref;
  while (Clock::now() < end) {
    v1::Study study;
    auto start = Clock::now();
    if (grpc::Status s = Call(stub, &Stub::GetStudy, get, &study); !s.ok()) Die("GetStudy", s);
    result.get_study_ms.push_back(MsSince(start));
    v1::HeartbeatResponse response;
    start = Clock::now();
    if (grpc::Status s = Call(stub, &Stub::Heartbeat, beat, &response); !s.ok()) {
      Die("Heartbeat", s);
    }
    result.heartbeat_ms.push_back(MsSince(start));
  }
  return result;
}

void PrintLatency(const char* what, const std::vector<double>& idle,
                  const std::vector<double>& loaded) {
  std::printf(
      "  %-22s idle p50 %6.2f p99 %6.2f max %7.2f ms | loaded p50 %6.2f p99 %6.2f "
      "max %7.2f ms | p99 loaded/idle %.2f\n",
      what, Percentile(idle, 50), Percentile(idle, 99), *std::max_element(idle.begin(), idle.end()),
      Percentile(loaded, 50), Percentile(loaded, 99),
      *std::max_element(loaded.begin(), loaded.end()),
      Percentile(loaded, 99) / Percentile(idle, 99));
}

void Isolation(const std::string& address, const Options& o) {
  auto admin = Connect(address);
  v1::Study study;
  v1::CreateStudyRequest create;
  *create.mutable_spec() = HeavyStudy();
  if (grpc::Status s = Call(*admin, &Stub::CreateStudy, create, &study); !s.ok()) {
    Die("CreateStudy heavy", s);
  }
  *create.mutable_spec() = LightStudy("light");
  if (grpc::Status s = Call(*admin, &Stub::CreateStudy, create, &study); !s.ok()) {
    Die("CreateStudy light", s);
  }
  for (int i = 0; i < o.prefill; ++i) AskAndTell(*admin, "heavy", std::sin(i), nullptr);
  v1::AcquireTrialRequest acquire;
  acquire.set_worker_id("probe");
  acquire.set_study_name("light");
  v1::AcquireTrialResponse acquired;
  if (grpc::Status s = Call(*admin, &Stub::AcquireTrial, acquire, &acquired); !s.ok()) {
    Die("AcquireTrial", s);
  }
  v1::TrialRef ref;
  ref.set_study_name("light");
  ref.set_trial_number(acquired.trial().number());
  ref.set_lease_id(acquired.lease().lease_id());

  auto probe_stub = Connect(address);
  const ProbeResult idle = Probe(*probe_stub, ref, o.seconds / 2);

  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::vector<double> ask_ms;
  std::vector<std::thread> heavy;
  for (int c = 0; c < 3; ++c) {
    heavy.emplace_back([&, c] {
      auto stub = Connect(address);
      std::vector<double> mine;
      for (int i = 0; !stop; ++i) AskAndTell(*stub, "heavy", std::cos(i * 3 + c), &mine);
      absl::MutexLock lock(&mu);
      ask_ms.insert(ask_ms.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the heavy load is on
  const ProbeResult loaded = Probe(*probe_stub, ref, o.seconds);
  stop = true;
  for (std::thread& t : heavy) t.join();

  std::printf(
      "isolation: 3 clients loop Ask+Tell on a TPE study of 10 x 1000 choices "
      "(%d trials prefilled); a probe on another study\n",
      o.prefill);
  std::printf("  heavy Ask               n %zu p50 %.1f p99 %.1f ms\n", ask_ms.size(),
              Percentile(ask_ms, 50), Percentile(ask_ms, 99));
  PrintLatency("GetStudy (other study)", idle.get_study_ms, loaded.get_study_ms);
  PrintLatency("Heartbeat (other study)", idle.heartbeat_ms, loaded.heartbeat_ms);
}

// Memory: each kind of call, repeated until it has sent its share of bytes.
void Memory(CoordinatorProcess& coordinator, const Options& o) {
  auto stub = Connect(coordinator.address());
  const int64_t share = (o.megabytes << 20) / 6;
  std::printf("memory: about %lld MB of maximal calls, %lld MB per kind; coordinator RSS\n",
              static_cast<long long>(o.megabytes), static_cast<long long>(share >> 20));
  std::printf("  %-44s %8.1f MB\n", "at start", coordinator.Usage().rss_mb);
  v1::Study study;
  v1::CreateStudyRequest create;
  *create.mutable_spec() = LightStudy("memory");
  create.mutable_spec()->set_max_trials(0);
  create.mutable_spec()->clear_task();
  if (grpc::Status s = Call(*stub, &Stub::CreateStudy, create, &study); !s.ok()) {
    Die("CreateStudy memory", s);
  }
  auto run = [&](const char* what, const std::function<int64_t()>& one_call) {
    int64_t sent = 0;
    int64_t calls = 0;
    while (sent < share) {
      sent += one_call();
      ++calls;
    }
    std::printf("  %-44s %8.1f MB  (%lld calls)\n", what, coordinator.Usage().rss_mb,
                static_cast<long long>(calls));
  };
  // Refused before parsing: larger than any request may be.
  run("+ oversized requests (4 MB specs)", [&] {
    v1::CreateStudyRequest big;
    *big.mutable_spec() = LightStudy("x");
    big.mutable_spec()->mutable_params(0)->set_name(std::string(4 << 20, 'x'));
    v1::Study ignored;
    Call(*stub, &Stub::CreateStudy, big, &ignored);
    return static_cast<int64_t>(big.ByteSizeLong());
  });
  // Refused at the door: strings longer than the API stores.
  run("+ 1 MB study names and worker ids", [&] {
    v1::GetStudyRequest get;
    get.set_study_name(std::string(kMaxRequestBytes - 64, 's'));
    v1::Study ignored;
    Call(*stub, &Stub::GetStudy, get, &ignored);
    v1::AcquireTrialRequest acquire;
    acquire.set_worker_id(std::string(kMaxRequestBytes - 64, 'w'));
    v1::AcquireTrialResponse none;
    Call(*stub, &Stub::AcquireTrial, acquire, &none);
    return static_cast<int64_t>(get.ByteSizeLong() + acquire.ByteSizeLong());
  });
  // Accepted: the largest trial the API keeps, then read back in pages.
  int64_t told = 0;
  run("+ told trials of 4 KiB reasons, 64 big attrs", [&] {
    v1::AskRequest ask;
    ask.set_study_name("memory");
    v1::AskResponse asked;
    if (grpc::Status s = Call(*stub, &Stub::Ask, ask, &asked); !s.ok()) Die("Ask", s);
    v1::TellRequest tell;
    tell.set_study_name("memory");
    tell.set_trial_number(asked.trial().number());
    tell.set_state(v1::Trial::FAILED);
    tell.set_fail_reason(std::string(kMaxFailReasonBytes, 'r'));
    for (int a = 0; a < kMaxUserAttrsPerTrial; ++a) {
      (*tell.mutable_user_attrs())[absl::StrCat(a, std::string(kMaxUserAttrNameBytes - 4, 'a'))] =
          a;
    }
    v1::Trial trial;
    if (grpc::Status s = Call(*stub, &Stub::Tell, tell, &trial); !s.ok()) Die("Tell", s);
    ++told;
    return static_cast<int64_t>(tell.ByteSizeLong());
  });
  run("+ pages of those trials (ListTrials)", [&] {
    v1::ListTrialsRequest list;
    list.set_study_name("memory");
    list.set_page_size(10000);
    v1::ListTrialsResponse page;
    if (grpc::Status s = Call(*stub, &Stub::ListTrials, list, &page); !s.ok()) Die("List", s);
    return static_cast<int64_t>(page.ByteSizeLong());
  });
  run("+ study lists and summaries", [&] {
    v1::ListStudiesResponse page;
    if (grpc::Status s = Call(*stub, &Stub::ListStudies, v1::ListStudiesRequest(), &page);
        !s.ok()) {
      Die("ListStudies", s);
    }
    return static_cast<int64_t>(page.ByteSizeLong()) + 64;
  });
  run("+ reports past the steps a trial keeps", [&] {
    static int64_t step = 0;
    v1::ReportIntermediateRequest report;
    report.mutable_trial()->set_study_name("memory");
    report.mutable_trial()->set_trial_number(told);  // asked below, never told
    report.set_step(step++);
    report.set_value(1);
    v1::ReportIntermediateResponse response;
    if (step == 1) {
      v1::AskRequest ask;
      ask.set_study_name("memory");
      v1::AskResponse asked;
      Call(*stub, &Stub::Ask, ask, &asked);
    }
    Call(*stub, &Stub::ReportIntermediate, report, &response);
    return static_cast<int64_t>(16 << 10);  // counted as 16 KiB, to keep the call count down
  });
  const ProcessUsage end = coordinator.Usage();
  std::printf("  %-44s %8.1f MB (peak %.1f MB); %lld trials stored\n", "at the end", end.rss_mb,
              end.peak_rss_mb, static_cast<long long>(told + 1));
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") {
      o.seconds = std::atof(argv[i + 1]);
    } else if (flag == "--prefill") {
      o.prefill = std::atoi(argv[i + 1]);
    } else if (flag == "--megabytes") {
      o.megabytes = std::atoll(argv[i + 1]);
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  try {
    // tmpfs: the figures are about locks and memory, not fsync.
    const std::string temp = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "";
    {
      CoordinatorProcess coordinator(CoordinatorBinary(argv[0]), "", temp);
      Isolation(coordinator.address(), o);
    }
    CoordinatorProcess coordinator(CoordinatorBinary(argv[0]), "", temp);
    Memory(coordinator, o);
  } catch (const std::runtime_error& e) {
    std::cerr << "coordinator_isolation_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace hpo::bench

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return hpo::bench::Main(argc, argv);
}
