#include "server/storage/sqlite_storage.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/storage/sqlite_db.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace hpo::server {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::hpo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

v1::Study MakeStudy(const std::string& name) {
  v1::Study study;
  study.mutable_spec()->set_name(name);
  study.mutable_spec()->set_direction(v1::MINIMIZE);
  study.mutable_spec()->set_max_trials(10);
  study.set_state(v1::Study::RUNNING);
  study.set_create_time_ms(1234);
  return study;
}

v1::Trial MakeTrial(const std::string& study, int64_t number) {
  v1::Trial trial;
  trial.set_study_name(study);
  trial.set_number(number);
  trial.set_state(v1::Trial::RUNNING);
  (*trial.mutable_params())["lr"].set_float_value(1e-3 * (number + 1));
  (*trial.mutable_params())["width"].set_int_value(64 + number);
  (*trial.mutable_params())["act"].set_categorical_value("relu");
  trial.set_worker_id("w1");
  trial.set_start_time_ms(1000 + number);
  return trial;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status Write(Storage& storage, StorageWrite write) {
  return storage.Write({std::move(write)});
}

TEST(SqliteStorageTest, ReopenKeepsEverything) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("hpo.db");
  v1::Trial done = MakeTrial("s", 0);
  v1::Trial running = MakeTrial("s", 1);
  {
    auto storage = SqliteStorage::Open(path);
    ASSERT_OK(storage);
    ASSERT_OK(Write(**storage, CreateStudyWrite{MakeStudy("s")}));
    ASSERT_OK(Write(**storage, TrialWrite{done, "lease-0"}));
    ASSERT_OK(Write(**storage, TrialWrite{running, "lease-1"}));
    v1::IntermediateValue step;
    step.set_step(1);
    step.set_value(0.75);
    ASSERT_OK(Write(**storage, IntermediateValueWrite{"s", 0, step}));
    done.set_state(v1::Trial::COMPLETE);
    done.set_value(0.5);
    done.set_complete_time_ms(2000);
    (*done.mutable_user_attrs())["val_accuracy"] = 0.875;
    ASSERT_OK(Write(**storage, TrialWrite{done, "lease-0"}));
    *done.add_intermediate_values() = step;
    ASSERT_OK(Write(**storage, StudyStateWrite{"s", v1::Study::STOPPED, ""}));
  }
  auto storage = SqliteStorage::Open(path);
  ASSERT_OK(storage);
  auto studies = (*storage)->LoadAll();
  ASSERT_OK(studies);
  ASSERT_EQ(studies->size(), 1u);
  const StoredStudy& study = (*studies)[0];
  EXPECT_EQ(study.study.spec().name(), "s");
  EXPECT_EQ(study.study.spec().max_trials(), 10);
  EXPECT_EQ(study.study.state(), v1::Study::STOPPED);
  EXPECT_EQ(study.study.create_time_ms(), 1234);
  ASSERT_EQ(study.trials.size(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(study.trials[0].trial, done))
      << study.trials[0].trial.DebugString() << "\nvs\n" << done.DebugString();
  EXPECT_EQ(study.trials[0].lease_id, "lease-0");
  EXPECT_TRUE(MessageDifferencer::Equals(study.trials[1].trial, running));
  EXPECT_EQ(study.trials[1].lease_id, "lease-1");
}

// A database of schema version 1 (before studies had a state_reason) opens
// and is upgraded in place; the reason of a state is kept from then on.
TEST(SqliteStorageTest, UpgradesAVersion1DatabaseAndKeepsTheStateReason) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("hpo.db");
  {
    auto storage = SqliteStorage::Open(path);
    ASSERT_OK(storage);
    ASSERT_OK(Write(**storage, CreateStudyWrite{MakeStudy("s")}));
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "ALTER TABLE studies DROP COLUMN state_reason; "
                           "UPDATE schema_info SET version = 1",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  {
    auto storage = SqliteStorage::Open(path);
    ASSERT_OK(storage);
    auto studies = (*storage)->LoadAll();
    ASSERT_OK(studies);
    ASSERT_EQ(studies->size(), 1u);
    EXPECT_EQ((*studies)[0].study.state_reason(), "");
    ASSERT_OK(Write(**storage, StudyStateWrite{"s", v1::Study::PAUSED, "3 trials could not run"}));
  }
  auto storage = SqliteStorage::Open(path);
  ASSERT_OK(storage);
  auto studies = (*storage)->LoadAll();
  ASSERT_OK(studies);
  EXPECT_EQ((*studies)[0].study.state(), v1::Study::PAUSED);
  EXPECT_EQ((*studies)[0].study.state_reason(), "3 trials could not run");
}

// Deleting a study removes every row of it, in every table, and nothing of
// another study; a spec write replaces the spec.
TEST(SqliteStorageTest, DeleteRemovesEveryRowOfTheStudyAndSpecWritesStay) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("hpo.db");
  {
    auto storage = SqliteStorage::Open(path);
    ASSERT_OK(storage);
    for (const char* name : {"gone", "kept"}) {
      ASSERT_OK(Write(**storage, CreateStudyWrite{MakeStudy(name)}));
      v1::Trial trial = MakeTrial(name, 0);
      (*trial.mutable_user_attrs())["acc"] = 0.5;
      ASSERT_OK(Write(**storage, TrialWrite{trial, "lease"}));
      v1::IntermediateValue value;
      value.set_step(1);
      value.set_value(2);
      ASSERT_OK(Write(**storage, IntermediateValueWrite{name, 0, value}));
    }
    v1::StudySpec spec = MakeStudy("kept").spec();
    spec.set_max_trials(99);
    ASSERT_OK(Write(**storage, StudySpecWrite{spec}));
    ASSERT_OK(Write(**storage, DeleteStudyWrite{"gone"}));
    EXPECT_THAT(Write(**storage, DeleteStudyWrite{"gone"}),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("gone")));
    // The name is free again, and its trial numbers start over.
    ASSERT_OK(Write(**storage, CreateStudyWrite{MakeStudy("gone")}));
    ASSERT_OK(Write(**storage, TrialWrite{MakeTrial("gone", 0), ""}));
    ASSERT_OK(Write(**storage, DeleteStudyWrite{"gone"}));
  }
  auto db = sqlite::Database::Open(path);
  ASSERT_OK(db);
  for (const char* table :
       {"studies", "trials", "trial_params", "trial_user_attrs", "trial_intermediate_values"}) {
    auto count = db->Prepare(absl::StrCat("SELECT COUNT(*) FROM ", table));
    ASSERT_OK(count);
    auto row = count->Step();
    ASSERT_OK(row);
    const int64_t expected = std::string(table) == "trial_params" ? 3 : 1;  // "kept"'s only
    EXPECT_EQ(count->Int(0), expected) << table;
  }
  auto storage = SqliteStorage::Open(path);
  ASSERT_OK(storage);
  auto studies = (*storage)->LoadAll();
  ASSERT_OK(studies);
  ASSERT_EQ(studies->size(), 1u);
  EXPECT_EQ((*studies)[0].study.spec().name(), "kept");
  EXPECT_EQ((*studies)[0].study.spec().max_trials(), 99);
  EXPECT_EQ((*studies)[0].trials.size(), 1u);
}

TEST(SqliteStorageTest, RefusesDuplicateStudyAndUnknownNames) {
  hpo::testing::TempDir dir;
  auto storage = SqliteStorage::Open(dir.File("hpo.db"));
  ASSERT_OK(storage);
  ASSERT_OK(Write(**storage, CreateStudyWrite{MakeStudy("s")}));
  EXPECT_THAT(Write(**storage, CreateStudyWrite{MakeStudy("s")}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("\"s\"")));
  EXPECT_THAT(Write(**storage, TrialWrite{MakeTrial("nope", 0), ""}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(Write(**storage, IntermediateValueWrite{"s", 7, v1::IntermediateValue()}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("trial 7")));
}

TEST(SqliteStorageTest, AFailedWriteStoresNoneOfItsChanges) {
  hpo::testing::TempDir dir;
  auto storage = SqliteStorage::Open(dir.File("hpo.db"));
  ASSERT_OK(storage);
  ASSERT_OK(Write(**storage, CreateStudyWrite{MakeStudy("s")}));
  // The third write fails, so the new study and its trial are rolled back.
  const std::vector<StorageWrite> writes = {CreateStudyWrite{MakeStudy("t")},
                                            TrialWrite{MakeTrial("t", 0), "lease"},
                                            TrialWrite{MakeTrial("nope", 0), ""}};
  EXPECT_THAT((*storage)->Write(writes), StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  auto studies = (*storage)->LoadAll();
  ASSERT_OK(studies);
  ASSERT_EQ(studies->size(), 1u);
  EXPECT_EQ((*studies)[0].study.spec().name(), "s");

  // Nothing of the failed write lingers: the same study and trial go in now,
  // and a trial of the same number gets its own row.
  ASSERT_OK((*storage)->Write({writes[0], writes[1]}));
  ASSERT_OK(Write(**storage, TrialWrite{MakeTrial("t", 1), ""}));
  v1::Trial done = MakeTrial("t", 0);
  done.set_state(v1::Trial::COMPLETE);
  done.set_value(1.5);
  ASSERT_OK(Write(**storage, TrialWrite{done, "lease"}));
  studies = (*storage)->LoadAll();
  ASSERT_OK(studies);
  ASSERT_EQ(studies->size(), 2u);
  const StoredStudy& t = (*studies)[1];
  ASSERT_EQ(t.trials.size(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(t.trials[0].trial, done)) << t.trials[0].trial.DebugString();
  EXPECT_EQ(t.trials[1].trial.number(), 1);
}

TEST(SqliteStorageTest, NewFileIsReadableByOwnerOnly) {
  hpo::testing::TempDir dir;
  ASSERT_OK(SqliteStorage::Open(dir.File("hpo.db")));
  struct stat info = {};
  ASSERT_EQ(stat(dir.File("hpo.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

TEST(SqliteStorageTest, AFileInUseIsRefusedUntilItsOwnerClosesIt) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("hpo.db");
  auto first = SqliteStorage::Open(path);
  ASSERT_OK(first);
  ASSERT_OK(Write(**first, CreateStudyWrite{MakeStudy("s")}));
  absl::Status refused = SqliteStorage::Open(path).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                AllOf(HasSubstr(path + " is in use by another process"),
                                      HasSubstr("another --db"))));
  // The holder's pid, when /proc/locks names it (it does on ext4).
  if (absl::StrContains(refused.message(), "(pid ")) {
    EXPECT_THAT(refused.message(), HasSubstr("(pid " + std::to_string(getpid()) + ")"));
  }
  // The refused open took nothing from the owner, SQLite's locks included.
  ASSERT_OK(Write(**first, TrialWrite{MakeTrial("s", 0), "lease-0"}));
  first->reset();
  auto second = SqliteStorage::Open(path);
  ASSERT_OK(second);
  auto studies = (*second)->LoadAll();
  ASSERT_OK(studies);
  ASSERT_EQ(studies->size(), 1u);
  EXPECT_EQ((*studies)[0].trials.size(), 1u);
}

TEST(SqliteStorageTest, RefusesAnotherProgramsDatabaseWithoutTouchingIt) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes(text TEXT); INSERT INTO notes VALUES('x');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const std::string before = ReadFile(path);

  EXPECT_THAT(SqliteStorage::Open(path), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                  HasSubstr("not an hpo database")));
  EXPECT_EQ(ReadFile(path), before);
}

TEST(SqliteStorageTest, RefusesAFileThatIsNotADatabase) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("notes.txt");
  std::ofstream(path) << "these are not the pages you are looking for\n" << std::string(4096, 'x');
  const std::string before = ReadFile(path);
  EXPECT_THAT(SqliteStorage::Open(path), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
  EXPECT_EQ(ReadFile(path), before);
}

TEST(SqliteStorageTest, RefusesANewerSchema) {
  hpo::testing::TempDir dir;
  const std::string path = dir.File("hpo.db");
  ASSERT_OK(SqliteStorage::Open(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_info SET version = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_THAT(SqliteStorage::Open(path), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                  HasSubstr("schema version 99")));
}

}  // namespace
}  // namespace hpo::server
