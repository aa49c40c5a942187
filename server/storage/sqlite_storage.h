// Storage on one SQLite file: WAL journal, synchronous=FULL (a COMPLETE trial
// survives power loss), statements prepared once, one transaction per Write.
//
// Refuses a file that is not an hpo database (application_id) or whose schema
// is newer than this build knows, without writing to it, and a file another
// process has open as storage (FileLock). Not thread-safe.
#ifndef HPO_SERVER_STORAGE_SQLITE_STORAGE_H_
#define HPO_SERVER_STORAGE_SQLITE_STORAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "server/storage/file_lock.h"
#include "server/storage/sqlite_db.h"
#include "server/storage/storage.h"

namespace hpo::server {

class SqliteStorage : public Storage {
 public:
  static constexpr int kSchemaVersion = 2;
  // 'HPO1' in the file header marks an hpo database.
  static constexpr int32_t kApplicationId = 0x48504f31;

  // Opens or creates the database at `path`. FAILED_PRECONDITION for a file
  // that is another program's, has a newer schema or is in use by another
  // SqliteStorage (any process); DATA_LOSS for a corrupt one.
  static absl::StatusOr<std::unique_ptr<SqliteStorage>> Open(const std::string& path);

  absl::StatusOr<std::vector<StoredStudy>> LoadAll() override;
  absl::Status Write(absl::Span<const StorageWrite> writes) override;

 private:
  SqliteStorage(FileLock lock, sqlite::Database db)
      : lock_(std::move(lock)), db_(std::move(db)) {}
  absl::Status InitSchema();
  // Brings a database of an older schema `version` to kSchemaVersion, in one
  // transaction.
  absl::Status Upgrade(int64_t version);
  // The first column of the first row of `sql`; NOT_FOUND if there is none.
  absl::StatusOr<int64_t> QueryInt(const char* sql);
  // Reads the ids of every study and trial into study_ids_ and trial_ids_.
  absl::Status LoadIds();
  absl::StatusOr<int64_t> StudyId(absl::string_view study_name) const;
  std::optional<int64_t> TrialId(int64_t study_id, int64_t number) const;
  // The statement for `sql` (a string literal), prepared once and reset.
  absl::StatusOr<sqlite::Statement*> Cached(const char* sql);
  absl::Status WriteInTransaction(absl::Span<const StorageWrite> writes);
  absl::Status Apply(const CreateStudyWrite& write);
  absl::Status Apply(const StudyStateWrite& write);
  absl::Status Apply(const TrialWrite& write);
  absl::Status Apply(const IntermediateValueWrite& write);
  absl::Status Apply(const StudySpecWrite& write);
  absl::Status Apply(const DeleteStudyWrite& write);
  absl::Status InsertParams(int64_t trial_id, const v1::Trial& trial);
  // `inserted`: the trial row is new, so it has no attributes to delete.
  absl::Status ReplaceUserAttrs(int64_t trial_id, const v1::Trial& trial, bool inserted);
  absl::Status LoadTrials(int64_t study_id, StoredStudy* study);

  FileLock lock_;  // before db_: released only after the connection is closed
  sqlite::Database db_;
  absl::flat_hash_map<const char*, std::unique_ptr<sqlite::Statement>> statements_;
  bool ids_loaded_ = false;
  absl::flat_hash_map<std::string, int64_t> study_ids_;
  absl::flat_hash_map<std::pair<int64_t, int64_t>, int64_t> trial_ids_;  // (study, number)
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STORAGE_SQLITE_STORAGE_H_
