// Storage on one SQLite file: WAL journal, synchronous=FULL (a COMPLETE trial
// survives power loss), prepared statements, one transaction per call.
//
// Refuses a file that is not an hpo database (application_id) or whose schema
// is newer than this build knows, without writing to it. Not thread-safe.
#ifndef HPO_SERVER_STORAGE_SQLITE_STORAGE_H_
#define HPO_SERVER_STORAGE_SQLITE_STORAGE_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "server/storage/sqlite_db.h"
#include "server/storage/storage.h"

namespace hpo::server {

class SqliteStorage : public Storage {
 public:
  static constexpr int kSchemaVersion = 1;
  // 'HPO1' in the file header marks an hpo database.
  static constexpr int32_t kApplicationId = 0x48504f31;

  // Opens or creates the database at `path`. FAILED_PRECONDITION for a file
  // that is another program's or has a newer schema; DATA_LOSS for a corrupt one.
  static absl::StatusOr<std::unique_ptr<SqliteStorage>> Open(const std::string& path);

  absl::StatusOr<std::vector<StoredStudy>> LoadAll() override;
  absl::Status CreateStudy(const v1::Study& study) override;
  absl::Status UpdateStudyState(absl::string_view study_name, v1::Study::State state) override;
  absl::Status PutTrial(const v1::Trial& trial, absl::string_view lease_id) override;
  absl::Status PutTrials(
      const std::vector<std::pair<const v1::Trial*, std::string>>& trials) override;
  absl::Status AddIntermediateValue(absl::string_view study_name, int64_t trial_number,
                                    const v1::IntermediateValue& value) override;

 private:
  explicit SqliteStorage(sqlite::Database db) : db_(std::move(db)) {}
  absl::Status InitSchema();
  // The first column of the first row of `sql`; NOT_FOUND if there is none.
  absl::StatusOr<int64_t> QueryInt(const char* sql);
  absl::StatusOr<int64_t> StudyId(absl::string_view study_name) const;
  absl::StatusOr<std::optional<int64_t>> FindTrialId(int64_t study_id, int64_t number);
  // PutTrial's writes, inside the caller's transaction.
  absl::Status WriteTrial(const v1::Trial& trial, absl::string_view lease_id);
  absl::Status InsertParams(int64_t trial_id, const v1::Trial& trial);
  absl::Status ReplaceUserAttrs(int64_t trial_id, const v1::Trial& trial);
  absl::Status LoadTrials(int64_t study_id, StoredStudy* study);

  sqlite::Database db_;
  absl::flat_hash_map<std::string, int64_t> study_ids_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STORAGE_SQLITE_STORAGE_H_
