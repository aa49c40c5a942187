// libFuzzer target: the coordinator's API as an attacker or a careless client
// drives it. The input is a sequence of calls, each one byte naming the call,
// two bytes of length and that many bytes of its request proto (as the wire
// would carry it), run against a real Coordinator on a real SQLite file.
// Any status is fine; a crash, a sanitizer report, a hang, or an answer that
// breaks the API's contracts is a finding:
//  - every error is one of the documented codes, never INTERNAL or UNKNOWN;
//  - every response fits in a page (api_limits.h);
//  - after a restart (reopening the file) every study and trial reads back as
//    it was answered before, lease deadlines aside.
//
// To reach the calls that need a lease or an existing study, an empty
// study_name is replaced by the last study created, and a call byte with the
// high bit set aims its trial reference at the last trial handed out, with
// its lease.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/api_limits.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "hpo/v1/coordinator.pb.h"
#include "server/clock.h"
#include "server/coordinator.h"
#include "server/storage/sqlite_storage.h"

namespace {

using hpo::server::Coordinator;

struct Harness {
  std::string path;
  hpo::server::FakeClock clock;
  std::unique_ptr<Coordinator> coordinator;
  std::string last_study;
  hpo::v1::TrialRef last_trial;

  explicit Harness(std::string db) : path(std::move(db)) { Open(); }

  void Open() {
    coordinator.reset();
    auto storage = hpo::server::SqliteStorage::Open(path);
    if (!storage.ok()) std::abort();
    auto opened = Coordinator::Open(*std::move(storage), &clock);
    if (!opened.ok()) std::abort();
    coordinator = *std::move(opened);
  }
};

// The codes the API documents (proto/hpo/v1/coordinator.proto).
void CheckStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return;
    default:
      std::abort();
  }
}

template <typename T>
void Check(const absl::StatusOr<T>& result) {
  CheckStatus(result.status());
  if (result.ok() && static_cast<int64_t>(result->ByteSizeLong()) > 2 * hpo::kMaxPageBytes) {
    std::abort();
  }
}

template <typename Request>
bool Decode(const uint8_t* data, size_t size, Request* request) {
  return request->ParseFromArray(data, static_cast<int>(size));
}

void Aim(Harness& h, bool at_last, hpo::v1::TrialRef* ref) {
  if (at_last) {
    *ref = h.last_trial;
  } else if (ref->study_name().empty()) {
    ref->set_study_name(h.last_study);
  }
}

template <typename Request>
void DefaultStudy(const Harness& h, Request* request) {
  if (request->study_name().empty()) request->set_study_name(h.last_study);
}

// Map entries in key order, so that equal messages give equal bytes.
std::string Bytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

// Every study and its trials as a client reads them, lease deadlines cleared.
std::string Snapshot(Harness& h) {
  std::string out;
  hpo::v1::ListStudiesRequest list;
  do {
    auto page = h.coordinator->ListStudies(list);
    if (!page.ok()) std::abort();
    for (hpo::v1::Study study : page->studies()) {
      study.mutable_best_trial()->clear_lease_expire_time_ms();
      out += Bytes(study);
      hpo::v1::ListTrialsRequest trials;
      trials.set_study_name(study.spec().name());
      do {
        auto trial_page = h.coordinator->ListTrials(trials);
        if (!trial_page.ok()) std::abort();
        for (hpo::v1::Trial trial : trial_page->trials()) {
          trial.clear_lease_expire_time_ms();
          out += Bytes(trial);
        }
        trials.set_page_token(trial_page->next_page_token());
      } while (!trials.page_token().empty());
    }
    list.set_page_token(page->next_page_token());
  } while (!list.page_token().empty());
  return out;
}

void Run(Harness& h, uint8_t op, const uint8_t* data, size_t size) {
  const bool at_last = (op & 0x80) != 0;
  Coordinator& c = *h.coordinator;
  switch (op % 19) {
    case 0: {
      hpo::v1::CreateStudyRequest r;
      if (!Decode(data, size, &r)) return;
      auto study = c.CreateStudy(r.spec(), r.load_if_exists());
      Check(study);
      if (study.ok()) h.last_study = study->spec().name();
      return;
    }
    case 1: {
      hpo::v1::GetStudyRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return Check(c.GetStudy(r.study_name()));
    }
    case 2: {
      hpo::v1::ListStudiesRequest r;
      if (!Decode(data, size, &r)) return;
      return Check(c.ListStudies(r));
    }
    case 3: {
      hpo::v1::StopStudyRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return Check(c.StopStudy(r.study_name(), r.drain()));
    }
    case 4: {
      hpo::v1::ResumeStudyRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return Check(c.ResumeStudy(r.study_name()));
    }
    case 5: {
      hpo::v1::AcquireTrialRequest r;
      if (!Decode(data, size, &r)) return;
      if (r.worker_id().empty()) r.set_worker_id("w");
      auto acquired = c.AcquireTrial(r);
      Check(acquired);
      if (acquired.ok() && acquired->has_trial()) {
        h.last_trial.set_study_name(acquired->trial().study_name());
        h.last_trial.set_trial_number(acquired->trial().number());
        h.last_trial.set_lease_id(acquired->lease().lease_id());
      }
      return;
    }
    case 6: {
      hpo::v1::HeartbeatRequest r;
      if (!Decode(data, size, &r)) return;
      Aim(h, at_last, r.mutable_trial());
      return Check(c.Heartbeat(r.trial()));
    }
    case 7: {
      hpo::v1::ReportIntermediateRequest r;
      if (!Decode(data, size, &r)) return;
      Aim(h, at_last, r.mutable_trial());
      return Check(c.ReportIntermediate(r));
    }
    case 8: {
      hpo::v1::CompleteTrialRequest r;
      if (!Decode(data, size, &r)) return;
      Aim(h, at_last, r.mutable_trial());
      return Check(c.CompleteTrial(r));
    }
    case 9: {
      hpo::v1::FailTrialRequest r;
      if (!Decode(data, size, &r)) return;
      Aim(h, at_last, r.mutable_trial());
      return Check(c.FailTrial(r));
    }
    case 10: {
      hpo::v1::AskRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      auto asked = c.Ask(r);
      Check(asked);
      if (asked.ok()) {
        h.last_trial.set_study_name(asked->trial().study_name());
        h.last_trial.set_trial_number(asked->trial().number());
        h.last_trial.set_lease_id(asked->lease().lease_id());
      }
      return;
    }
    case 11: {
      hpo::v1::TellRequest r;
      if (!Decode(data, size, &r)) return;
      if (at_last) {
        r.set_study_name(h.last_trial.study_name());
        r.set_trial_number(h.last_trial.trial_number());
        r.set_lease_id(h.last_trial.lease_id());
      }
      DefaultStudy(h, &r);
      return Check(c.Tell(r));
    }
    case 12: {
      hpo::v1::ListTrialsRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return Check(c.ListTrials(r));
    }
    case 13: {
      hpo::v1::GetBestTrialRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return Check(c.GetBestTrial(r.study_name()));
    }
    case 14: {
      // Time passes (up to ~11 minutes) and the reaper runs.
      int64_t ms = 0;
      for (size_t i = 0; i < size && i < 2; ++i) ms = ms * 256 + data[i];
      h.clock.AdvanceMs(ms * 10);
      return CheckStatus(c.ReclaimExpiredLeases().status());
    }
    case 15: {
      // A restart loses nothing that was answered.
      const std::string before = Snapshot(h);
      h.Open();
      if (Snapshot(h) != before) std::abort();
      return;
    }
    case 16: {
      hpo::v1::UpdateStudyRequest r;
      if (!Decode(data, size, &r)) return;
      if (r.spec().name().empty()) r.mutable_spec()->set_name(h.last_study);
      return Check(c.UpdateStudy(r.spec()));
    }
    case 17: {
      hpo::v1::DeleteStudyRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return CheckStatus(c.DeleteStudy(r.study_name(), r.force()));
    }
    case 18: {
      hpo::v1::EnqueueTrialRequest r;
      if (!Decode(data, size, &r)) return;
      DefaultStudy(h, &r);
      return Check(c.EnqueueTrial(r));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    // tmpfs when there is one: the coordinator syncs every commit.
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    const std::filesystem::path tmp = base / ("coordinator_fuzzer." + std::to_string(getpid()));
    std::filesystem::create_directories(tmp);
    return tmp.string();
  }();
  const std::string db = dir + "/fuzz.db";
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  {
    Harness harness(db);
    size_t i = 0;
    while (i + 3 <= size) {
      const uint8_t op = data[i];
      const size_t length = std::min<size_t>(data[i + 1] | (data[i + 2] << 8), size - i - 3);
      Run(harness, op, data + i + 3, length);
      i += 3 + length;
    }
  }
  return 0;
}
