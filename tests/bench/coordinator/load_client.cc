#include "tests/bench/coordinator/load_client.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "hpo/v1/coordinator.grpc.pb.h"

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

 private:
  // Whether to start one more trial.
  bool Claim() {
    if (workload_.seconds > 0 && Clock::now() >= deadline_) return false;
    return workload_.trials == 0 || claimed_.fetch_add(1) < workload_.trials;
  }

  void Error(ClientResult* result, const std::string& message) {
    ++result->errors;
    if (result->first_errors.size() < kErrorsKept) result->first_errors.push_back(message);
  }

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
    v1::AcquireTrialRequest acquire;
    acquire.set_worker_id(worker_id);
    acquire.set_study_name(workload_.study);
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
    v1::CompleteTrialRequest complete;
    complete.mutable_trial()->set_study_name(workload_.study);
    complete.mutable_trial()->set_trial_number(acquired.trial().number());
    complete.mutable_trial()->set_lease_id(acquired.lease().lease_id());
    complete.set_value(TrialObjective(acquired.trial()));
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
    v1::Trial trial;
    grpc::ClientContext ask_context;
    Deadline(&ask_context);
    Clock::time_point start = Clock::now();
    grpc::Status status = stub.Ask(&ask_context, ask, &trial);
    result->take_ms.push_back(MsSince(start));
    if (!status.ok()) return Error(result, "Ask: " + status.error_message());
    Think(rng);
    v1::TellRequest tell;
    tell.set_study_name(workload_.study);
    tell.set_trial_number(trial.number());
    tell.set_value(TrialObjective(trial));
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

}  // namespace

double Objective(double lr, double weight_decay, double beta1, double beta2) {
  return std::pow(std::log10(lr) + 3, 2) + 0.1 * std::pow(std::log10(weight_decay) + 3, 2) +
         std::pow(beta1 - 0.9, 2) + std::pow(beta2 - 0.999, 2);
}

LoadResult RunLoad(const Workload& workload, pid_t coordinator) {
  Run run(workload);
  std::vector<ClientResult> clients(workload.clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < workload.clients; ++i) {
    threads.emplace_back([&run, &clients, i] { run.Client(i, &clients[i]); });
  }
  run.WaitReady(workload.clients);
  LoadResult result;
  result.coordinator_start = ReadUsage(coordinator);
  result.self_start = ReadUsage(getpid());
  const Clock::time_point start = Clock::now();
  run.Start();
  for (std::thread& t : threads) t.join();
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

}  // namespace hpo::bench
