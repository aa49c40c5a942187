#include "tests/bench/coordinator/load_client.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "hpo/v1/coordinator.grpc.pb.h"
#include "tests/bench/tpe/bench_common.h"

namespace hpo::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kErrorsKept = 5;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A channel of its own: without a local subchannel pool, channels to the same
// address share one TCP connection, and N clients would be one.
std::unique_ptr<v1::Coordinator::Stub> OwnConnection(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30))) {
    return nullptr;
  }
  return v1::Coordinator::NewStub(channel);
}

void Deadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
}

double TrialObjective(const v1::Trial& trial) {
  const auto& p = trial.params();
  return Objective(p.at("lr").float_value(), p.at("weight_decay").float_value(),
                   p.at("beta1").float_value(), p.at("beta2").float_value());
}

// The calls both kinds of client make.
v1::AcquireTrialRequest AcquireRequest(const std::string& study, const std::string& worker_id) {
  v1::AcquireTrialRequest request;
  request.set_worker_id(worker_id);
  request.set_study_name(study);
  return request;
}

v1::CompleteTrialRequest CompleteRequest(const std::string& study, const v1::Trial& trial,
                                         const std::string& lease_id) {
  v1::CompleteTrialRequest request;
  request.mutable_trial()->set_study_name(study);
  request.mutable_trial()->set_trial_number(trial.number());
  request.mutable_trial()->set_lease_id(lease_id);
  request.set_value(TrialObjective(trial));
  return request;
}

v1::TellRequest TellRequest(const std::string& study, const v1::Trial& trial) {
  v1::TellRequest request;
  request.set_study_name(study);
  request.set_trial_number(trial.number());
  request.set_value(TrialObjective(trial));
  return request;
}

// What one client saw; merged into LoadResult once every client is done.
struct ClientResult {
  int64_t finished = 0, errors = 0, empty_acquires = 0;
  std::vector<double> take_ms, finish_ms;
  std::vector<std::string> first_errors;
};

class Run {
 public:
  explicit Run(const Workload& workload) : workload_(workload) {}

  // Connects, waits for Start(), then runs trials until the workload is done.
  void Client(int index, ClientResult* result) {
    std::unique_ptr<v1::Coordinator::Stub> stub = OwnConnection(workload_.address);
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++ready_;
      ready_cv_.notify_all();
      start_cv_.wait(lock, [&] { return started_; });
    }
    if (stub == nullptr) {
      Error(result, "cannot connect to " + workload_.address);
      return;
    }
    const std::string worker_id = "load-" + std::to_string(index);
    std::mt19937_64 rng(index);
    if (workload_.think_ms > 0) {
      SleepMs(std::uniform_real_distribution<double>(0, workload_.think_ms)(rng));
    }
    while (Claim()) {
      if (workload_.acquire) {
        AcquireAndComplete(*stub, worker_id, rng, result);
      } else {
        AskAndTell(*stub, rng, result);
      }
    }
  }

  void WaitReady(int clients) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_cv_.wait(lock, [&] { return ready_ == clients; });
  }

  void Start() {
    std::lock_guard<std::mutex> lock(mu_);
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(workload_.seconds));
    started_ = true;
    start_cv_.notify_all();
  }

  // Whether to start one more trial.
  bool Claim() {
    if (workload_.seconds > 0 && Clock::now() >= deadline_) return false;
    return workload_.trials == 0 || claimed_.fetch_add(1) < workload_.trials;
  }

  static void Error(ClientResult* result, const std::string& message) {
    ++result->errors;
    if (result->first_errors.size() < kErrorsKept) result->first_errors.push_back(message);
  }

 private:

  static void SleepMs(double ms) {
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
  }

  void Think(std::mt19937_64& rng) const {
    if (workload_.think_ms > 0) {
      SleepMs(std::uniform_real_distribution<double>(0.5, 1.5)(rng) * workload_.think_ms);
    }
  }

  void AcquireAndComplete(v1::Coordinator::Stub& stub, const std::string& worker_id,
                          std::mt19937_64& rng, ClientResult* result) {
    const v1::AcquireTrialRequest acquire = AcquireRequest(workload_.study, worker_id);
    v1::AcquireTrialResponse acquired;
    grpc::ClientContext acquire_context;
    Deadline(&acquire_context);
    Clock::time_point start = Clock::now();
    grpc::Status status = stub.AcquireTrial(&acquire_context, acquire, &acquired);
    result->take_ms.push_back(MsSince(start));
    if (!status.ok()) return Error(result, "AcquireTrial: " + status.error_message());
    if (!acquired.has_trial()) {
      ++result->empty_acquires;
      std::this_thread::sleep_for(std::chrono::milliseconds(acquired.retry_after_ms()));
      return;
    }
    Think(rng);
    const v1::CompleteTrialRequest complete =
        CompleteRequest(workload_.study, acquired.trial(), acquired.lease().lease_id());
    v1::Trial completed;
    grpc::ClientContext complete_context;
    Deadline(&complete_context);
    start = Clock::now();
    status = stub.CompleteTrial(&complete_context, complete, &completed);
    result->finish_ms.push_back(MsSince(start));
    if (!status.ok()) return Error(result, "CompleteTrial: " + status.error_message());
    ++result->finished;
  }

  void AskAndTell(v1::Coordinator::Stub& stub, std::mt19937_64& rng, ClientResult* result) {
    v1::AskRequest ask;
    ask.set_study_name(workload_.study);
    v1::AskResponse asked;
    grpc::ClientContext ask_context;
    Deadline(&ask_context);
    Clock::time_point start = Clock::now();
    grpc::Status status = stub.Ask(&ask_context, ask, &asked);
    const v1::Trial& trial = asked.trial();
    result->take_ms.push_back(MsSince(start));
    if (!status.ok()) return Error(result, "Ask: " + status.error_message());
    Think(rng);
    const v1::TellRequest tell = TellRequest(workload_.study, trial);
    v1::Trial told;
    grpc::ClientContext tell_context;
    Deadline(&tell_context);
    start = Clock::now();
    status = stub.Tell(&tell_context, tell, &told);
    result->finish_ms.push_back(MsSince(start));
    if (!status.ok()) return Error(result, "Tell: " + status.error_message());
    ++result->finished;
  }

  const Workload& workload_;
  std::atomic<int64_t> claimed_{0};
  std::mutex mu_;
  std::condition_variable ready_cv_, start_cv_;
  int ready_ = 0;
  bool started_ = false;
  Clock::time_point deadline_;  // written before started_, read after
};

// A client without think time, driven by gRPC's callback API: each call's
// completion starts the next. The coordinator sees what Run::Client gives it
// (its own connection, one call in flight, the same calls), but N clients
// need no N threads: the load generator shares the coordinator's two cores,
// and 200 blocking threads would take much of them.
class CallbackClient {
 public:
  CallbackClient(Run& run, const Workload& workload, std::unique_ptr<v1::Coordinator::Stub> stub,
                 int index, ClientResult* result, std::function<void()> done)
      : run_(run),
        workload_(workload),
        stub_(std::move(stub)),
        worker_id_("load-" + std::to_string(index)),
        result_(result),
        done_(std::move(done)) {}

  void Start() { Next(); }

 private:
  // A fresh context per call; the previous call's stays alive until the one
  // after, so none is destroyed inside its own completion.
  grpc::ClientContext* NewContext() {
    auto& context = contexts_[calls_++ % 2];
    context = std::make_unique<grpc::ClientContext>();
    Deadline(context.get());
    start_ = Clock::now();
    return context.get();
  }

  void Next() {
    if (!run_.Claim()) return done_();
    if (workload_.acquire) {
      acquire_ = AcquireRequest(workload_.study, worker_id_);
      acquired_.Clear();
      stub_->async()->AcquireTrial(NewContext(), &acquire_, &acquired_, [this](grpc::Status s) {
        Taken(s, "AcquireTrial", acquired_.has_trial() ? &acquired_.trial() : nullptr,
              acquired_.lease().lease_id());
      });
    } else {
      ask_.set_study_name(workload_.study);
      asked_.Clear();
      stub_->async()->Ask(NewContext(), &ask_, &asked_,
                          [this](grpc::Status s) { Taken(s, "Ask", &asked_.trial(), ""); });
    }
  }

  void Taken(const grpc::Status& status, const char* what, const v1::Trial* trial,
             const std::string& lease_id) {
    result_->take_ms.push_back(MsSince(start_));
    if (!status.ok()) {
      Run::Error(result_, std::string(what) + ": " + status.error_message());
      return Next();
    }
    if (trial == nullptr) {  // the study has handed out all its trials
      ++result_->empty_acquires;
      return done_();
    }
    if (workload_.acquire) {
      complete_ = CompleteRequest(workload_.study, *trial, lease_id);
      stub_->async()->CompleteTrial(NewContext(), &complete_, &finished_, [this](grpc::Status s) {
        Finished(s, "CompleteTrial");
      });
    } else {
      tell_ = TellRequest(workload_.study, *trial);
      stub_->async()->Tell(NewContext(), &tell_, &finished_,
                           [this](grpc::Status s) { Finished(s, "Tell"); });
    }
  }

  void Finished(const grpc::Status& status, const char* what) {
    result_->finish_ms.push_back(MsSince(start_));
    if (status.ok()) {
      ++result_->finished;
    } else {
      Run::Error(result_, std::string(what) + ": " + status.error_message());
    }
    Next();
  }

  Run& run_;
  const Workload& workload_;
  const std::unique_ptr<v1::Coordinator::Stub> stub_;
  const std::string worker_id_;
  ClientResult* const result_;
  const std::function<void()> done_;
  std::unique_ptr<grpc::ClientContext> contexts_[2];
  int64_t calls_ = 0;
  Clock::time_point start_;
  v1::AcquireTrialRequest acquire_;
  v1::AcquireTrialResponse acquired_;
  v1::AskRequest ask_;
  v1::AskResponse asked_;
  v1::CompleteTrialRequest complete_;
  v1::TellRequest tell_;
  v1::Trial finished_;
};

// Runs every client as a CallbackClient; returns once all are done.
void RunCallbackClients(Run& run, const Workload& workload, std::vector<ClientResult>& results,
                        const std::function<void()>& on_connected) {
  std::mutex mu;
  std::condition_variable all_done;
  int running = 0;
  std::vector<std::unique_ptr<CallbackClient>> clients;
  for (int i = 0; i < workload.clients; ++i) {
    std::unique_ptr<v1::Coordinator::Stub> stub = OwnConnection(workload.address);
    if (stub == nullptr) {
      Run::Error(&results[i], "cannot connect to " + workload.address);
      continue;
    }
    clients.push_back(std::make_unique<CallbackClient>(run, workload, std::move(stub), i,
                                                       &results[i], [&] {
                                                         std::lock_guard<std::mutex> lock(mu);
                                                         if (--running == 0) all_done.notify_all();
                                                       }));
  }
  on_connected();
  running = static_cast<int>(clients.size());
  for (auto& client : clients) client->Start();
  std::unique_lock<std::mutex> lock(mu);
  all_done.wait(lock, [&] { return running == 0; });
}

}  // namespace

double Objective(double lr, double weight_decay, double beta1, double beta2) {
  return std::pow(std::log10(lr) + 3, 2) + 0.1 * std::pow(std::log10(weight_decay) + 3, 2) +
         std::pow(beta1 - 0.9, 2) + std::pow(beta2 - 0.999, 2);
}

LoadResult RunLoad(const Workload& workload, pid_t coordinator) {
  Run run(workload);
  std::vector<ClientResult> clients(workload.clients);
  LoadResult result;
  Clock::time_point start;
  auto begin = [&] {
    result.coordinator_start = ReadUsage(coordinator);
    result.self_start = ReadUsage(getpid());
    start = Clock::now();
    run.Start();
  };
  if (workload.think_ms == 0) {
    RunCallbackClients(run, workload, clients, begin);
  } else {
    std::vector<std::thread> threads;
    for (int i = 0; i < workload.clients; ++i) {
      threads.emplace_back([&run, &clients, i] { run.Client(i, &clients[i]); });
    }
    run.WaitReady(workload.clients);
    begin();
    for (std::thread& t : threads) t.join();
  }
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.coordinator_end = ReadUsage(coordinator);
  result.self_end = ReadUsage(getpid());
  for (ClientResult& c : clients) {
    result.finished += c.finished;
    result.errors += c.errors;
    result.empty_acquires += c.empty_acquires;
    result.take_ms.insert(result.take_ms.end(), c.take_ms.begin(), c.take_ms.end());
    result.finish_ms.insert(result.finish_ms.end(), c.finish_ms.begin(), c.finish_ms.end());
    for (std::string& e : c.first_errors) {
      if (result.first_errors.size() < kErrorsKept) result.first_errors.push_back(std::move(e));
    }
  }
  return result;
}

v1::StudySpec LoadStudySpec(const std::string& name, const std::string& sampler) {
  v1::StudySpec spec;
  spec.set_name(name);
  spec.set_direction(v1::MINIMIZE);
  spec.mutable_sampler()->set_type(sampler);
  spec.mutable_sampler()->set_seed(1);
  spec.set_lease_seconds(600);
  AddFloat(&spec, "lr", 1e-5, 1e-1, /*log=*/true);
  AddFloat(&spec, "weight_decay", 1e-6, 1e-1, /*log=*/true);
  AddFloat(&spec, "beta1", 0.8, 0.99);
  AddFloat(&spec, "beta2", 0.9, 0.9999);
  v1::TaskSpec* task = spec.mutable_task();
  task->mutable_dataset()->set_name("synthetic-regression");
  task->mutable_dataset()->set_train_examples(1000);
  task->mutable_dataset()->set_validation_examples(200);
  task->mutable_model()->set_type("linear");
  task->set_epochs(1);
  task->set_batch_size(32);
  return spec;
}

nlohmann::json Quantiles(const std::vector<double>& ms) {
  if (ms.empty()) return nlohmann::json{{"n", 0}};
  return nlohmann::json{{"n", ms.size()},
                        {"p50_ms", Percentile(ms, 50)},
                        {"p99_ms", Percentile(ms, 99)},
                        {"max_ms", *std::max_element(ms.begin(), ms.end())}};
}

}  // namespace hpo::bench
