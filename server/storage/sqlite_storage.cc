#include "server/storage/sqlite_storage.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace hpo::server {
namespace {

constexpr char kCreateSchema[] = R"sql(
CREATE TABLE schema_info (version INTEGER NOT NULL);
CREATE TABLE studies (
  study_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL,
  create_time_ms INTEGER NOT NULL,
  spec BLOB NOT NULL,  -- serialized hpo.v1.StudySpec
  state_reason TEXT NOT NULL DEFAULT ''  -- since version 2
);
CREATE TABLE trials (
  trial_id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(study_id),
  number INTEGER NOT NULL,
  state INTEGER NOT NULL,
  value REAL,
  worker_id TEXT NOT NULL,
  lease_id TEXT NOT NULL,
  fail_reason TEXT NOT NULL,
  start_time_ms INTEGER NOT NULL,
  complete_time_ms INTEGER NOT NULL,
  retry_of INTEGER,  -- number of the trial this one retries
  UNIQUE (study_id, number)
);
-- kind: 1 float, 2 int, 3 categorical; value holds a REAL, INTEGER or TEXT.
CREATE TABLE trial_params (
  trial_id INTEGER NOT NULL REFERENCES trials(trial_id),
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  value NOT NULL,
  PRIMARY KEY (trial_id, name)
);
CREATE TABLE trial_user_attrs (
  trial_id INTEGER NOT NULL REFERENCES trials(trial_id),
  key TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (trial_id, key)
);
CREATE TABLE trial_intermediate_values (
  trial_id INTEGER NOT NULL REFERENCES trials(trial_id),
  step INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (trial_id, step)
);
)sql";

// SQLite stores NaN as NULL; read it back as NaN.
double ValueOrNan(const sqlite::Statement& stmt, int column) {
  return stmt.IsNull(column) ? std::numeric_limits<double>::quiet_NaN() : stmt.Double(column);
}

void BindRetryOf(sqlite::Statement& stmt, int index, const v1::Trial& trial) {
  if (trial.has_retry_of()) {
    stmt.Bind(index, trial.retry_of());
  } else {
    stmt.BindNull(index);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(const std::string& path) {
  ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::Open(path));
  // Locked before the connection's first query takes SQLite's own locks.
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Exclusive(path));
  std::unique_ptr<SqliteStorage> storage(new SqliteStorage(std::move(lock), std::move(db)));
  if (absl::Status status = storage->InitSchema(); !status.ok()) {
    return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  }
  return storage;
}

absl::Status SqliteStorage::InitSchema() {
  RETURN_IF_ERROR(db_.Exec("PRAGMA busy_timeout = 5000"));
  // Reading the header first: a file that is not a database fails here,
  // before anything is written to it.
  ASSIGN_OR_RETURN(int64_t application_id, QueryInt("PRAGMA application_id"));
  ASSIGN_OR_RETURN(int64_t object_count, QueryInt("SELECT count(*) FROM sqlite_master"));

  if (application_id != kApplicationId) {
    if (application_id != 0 || object_count != 0) {
      return absl::FailedPreconditionError(
          "not an hpo database (it holds another program's data)");
    }
    RETURN_IF_ERROR(db_.Exec("PRAGMA journal_mode = WAL"));
    sqlite::Transaction txn(&db_);
    RETURN_IF_ERROR(txn.Begin());
    RETURN_IF_ERROR(db_.Exec(kCreateSchema));
    RETURN_IF_ERROR(db_.Exec(absl::StrCat("INSERT INTO schema_info VALUES (", kSchemaVersion,
                                          "); PRAGMA application_id = ", kApplicationId)));
    RETURN_IF_ERROR(txn.Commit());
  } else {
    absl::StatusOr<int64_t> version = QueryInt("SELECT version FROM schema_info");
    if (!version.ok()) {
      return absl::DataLossError(
          absl::StrCat("cannot read the schema version: ", version.status().message()));
    }
    if (*version > kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "schema version ", *version, ", newer than this coordinator's (",
          kSchemaVersion, "); upgrade hpo to open it"));
    }
    RETURN_IF_ERROR(db_.Exec("PRAGMA journal_mode = WAL"));
    if (*version < kSchemaVersion) RETURN_IF_ERROR(Upgrade(*version));
  }
  // The id caches are filled by LoadAll, or by the first Write.
  return db_.Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
}

absl::Status SqliteStorage::Upgrade(int64_t version) {
  sqlite::Transaction txn(&db_);
  RETURN_IF_ERROR(txn.Begin());
  if (version < 2) {
    RETURN_IF_ERROR(
        db_.Exec("ALTER TABLE studies ADD COLUMN state_reason TEXT NOT NULL DEFAULT ''"));
  }
  RETURN_IF_ERROR(db_.Exec(absl::StrCat("UPDATE schema_info SET version = ", kSchemaVersion)));
  return txn.Commit();
}

absl::StatusOr<int64_t> SqliteStorage::QueryInt(const char* sql) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.Prepare(sql));
  ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return absl::NotFoundError(absl::StrCat(sql, " returned no row"));
  return stmt.Int(0);
}

absl::StatusOr<int64_t> SqliteStorage::StudyId(absl::string_view study_name) const {
  auto it = study_ids_.find(study_name);
  if (it == study_ids_.end()) {
    return absl::NotFoundError(absl::StrCat("study \"", study_name, "\" is not stored"));
  }
  return it->second;
}

absl::StatusOr<std::vector<StoredStudy>> SqliteStorage::LoadAll() {
  // The ids read here fill the caches, so Write need not read them again.
  ids_loaded_ = false;
  study_ids_.clear();
  trial_ids_.clear();
  std::vector<StoredStudy> result;
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db_.Prepare("SELECT study_id, name, state, create_time_ms, spec, "
                               "state_reason FROM studies ORDER BY study_id"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    StoredStudy stored;
    if (!stored.study.mutable_spec()->ParseFromString(stmt.Text(4))) {
      return absl::DataLossError(
          absl::StrCat("stored spec of study \"", stmt.Text(1), "\" does not parse"));
    }
    stored.study.set_state(static_cast<v1::Study::State>(stmt.Int(2)));
    stored.study.set_create_time_ms(stmt.Int(3));
    stored.study.set_state_reason(stmt.Text(5));
    study_ids_[stored.study.spec().name()] = stmt.Int(0);
    RETURN_IF_ERROR(LoadTrials(stmt.Int(0), &stored));
    result.push_back(std::move(stored));
  }
  ids_loaded_ = true;
  return result;
}

absl::Status SqliteStorage::LoadTrials(int64_t study_id, StoredStudy* study) {
  const std::string& name = study->study.spec().name();
  ASSIGN_OR_RETURN(sqlite::Statement trials,
                   db_.Prepare("SELECT trial_id, number, state, value, worker_id, lease_id, "
                               "fail_reason, start_time_ms, complete_time_ms, retry_of FROM trials "
                               "WHERE study_id = ? ORDER BY number"));
  trials.Bind(1, study_id);
  std::vector<int64_t> ids;  // trial_id of study->trials[i]
  while (true) {
    ASSIGN_OR_RETURN(bool row, trials.Step());
    if (!row) break;
    ids.push_back(trials.Int(0));
    StoredTrial& stored = study->trials.emplace_back();
    v1::Trial& trial = stored.trial;
    trial.set_study_name(name);
    trial.set_number(trials.Int(1));
    trial.set_state(static_cast<v1::Trial::State>(trials.Int(2)));
    if (!trials.IsNull(3)) trial.set_value(trials.Double(3));
    trial.set_worker_id(trials.Text(4));
    stored.lease_id = trials.Text(5);
    trial.set_fail_reason(trials.Text(6));
    trial.set_start_time_ms(trials.Int(7));
    trial.set_complete_time_ms(trials.Int(8));
    if (!trials.IsNull(9)) trial.set_retry_of(trials.Int(9));
  }
  absl::flat_hash_map<int64_t, v1::Trial*> by_id;
  // Pointers into study->trials are stable from here on.
  for (size_t i = 0; i < study->trials.size(); ++i) {
    by_id[ids[i]] = &study->trials[i].trial;
    trial_ids_[{study_id, study->trials[i].trial.number()}] = ids[i];
  }
  ASSIGN_OR_RETURN(sqlite::Statement params,
                   db_.Prepare("SELECT trial_id, name, kind, value FROM trial_params "
                               "WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)"));
  params.Bind(1, study_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, params.Step());
    if (!row) break;
    v1::Trial& trial = *by_id.at(params.Int(0));
    v1::ParamValue& value = (*trial.mutable_params())[params.Text(1)];
    switch (params.Int(2)) {
      case 1: value.set_float_value(params.Double(3)); break;
      case 2: value.set_int_value(params.Int(3)); break;
      case 3: value.set_categorical_value(params.Text(3)); break;
      default:
        return absl::DataLossError(absl::StrCat("trial ", trial.number(), " of study \"", name,
                                                "\": unknown param kind ", params.Int(2)));
    }
  }
  ASSIGN_OR_RETURN(sqlite::Statement attrs,
                   db_.Prepare("SELECT trial_id, key, value FROM trial_user_attrs "
                               "WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)"));
  attrs.Bind(1, study_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, attrs.Step());
    if (!row) break;
    (*by_id.at(attrs.Int(0))->mutable_user_attrs())[attrs.Text(1)] = ValueOrNan(attrs, 2);
  }
  ASSIGN_OR_RETURN(sqlite::Statement steps,
                   db_.Prepare("SELECT trial_id, step, value FROM trial_intermediate_values "
                               "WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?) "
                               "ORDER BY trial_id, step"));
  steps.Bind(1, study_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, steps.Step());
    if (!row) break;
    v1::IntermediateValue* value = by_id.at(steps.Int(0))->add_intermediate_values();
    value->set_step(steps.Int(1));
    value->set_value(ValueOrNan(steps, 2));
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::Write(absl::Span<const StorageWrite> writes) {
  if (!ids_loaded_) RETURN_IF_ERROR(LoadIds());
  absl::Status status = WriteInTransaction(writes);
  // The rollback removed rows whose ids may be cached: read the ids again
  // (or at the next call, if the file cannot be read now either).
  if (!status.ok()) ids_loaded_ = LoadIds().ok();
  return status;
}

absl::Status SqliteStorage::WriteInTransaction(absl::Span<const StorageWrite> writes) {
  sqlite::Transaction txn(&db_);
  RETURN_IF_ERROR(txn.Begin());
  for (const StorageWrite& write : writes) {
    RETURN_IF_ERROR(std::visit([this](const auto& w) { return Apply(w); }, write));
  }
  return txn.Commit();
}

absl::Status SqliteStorage::LoadIds() {
  study_ids_.clear();
  trial_ids_.clear();
  ASSIGN_OR_RETURN(sqlite::Statement* studies, Cached("SELECT study_id, name FROM studies"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, studies->Step());
    if (!row) break;
    study_ids_[studies->Text(1)] = studies->Int(0);
  }
  ASSIGN_OR_RETURN(sqlite::Statement* trials,
                   Cached("SELECT study_id, number, trial_id FROM trials"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, trials->Step());
    if (!row) break;
    trial_ids_[{trials->Int(0), trials->Int(1)}] = trials->Int(2);
  }
  ids_loaded_ = true;
  return absl::OkStatus();
}

absl::StatusOr<sqlite::Statement*> SqliteStorage::Cached(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.Prepare(sql));
    it = statements_.emplace(sql, std::make_unique<sqlite::Statement>(std::move(stmt))).first;
  }
  it->second->Reset();
  return it->second.get();
}

absl::Status SqliteStorage::Apply(const CreateStudyWrite& write) {
  const std::string& name = write.study.spec().name();
  if (study_ids_.contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("study \"", name, "\" already exists"));
  }
  ASSIGN_OR_RETURN(sqlite::Statement* stmt,
                   Cached("INSERT INTO studies (name, state, create_time_ms, spec) "
                          "VALUES (?, ?, ?, ?)"));
  stmt->Bind(1, name)
      .Bind(2, static_cast<int64_t>(write.study.state()))
      .Bind(3, write.study.create_time_ms())
      .BindBlob(4, write.study.spec().SerializeAsString());
  RETURN_IF_ERROR(stmt->Run());
  study_ids_[name] = sqlite3_last_insert_rowid(db_.handle());
  return absl::OkStatus();
}

absl::Status SqliteStorage::Apply(const StudyStateWrite& write) {
  ASSIGN_OR_RETURN(int64_t study_id, StudyId(write.study_name));
  ASSIGN_OR_RETURN(sqlite::Statement * stmt,
                   Cached("UPDATE studies SET state = ?, state_reason = ? WHERE study_id = ?"));
  stmt->Bind(1, static_cast<int64_t>(write.state)).Bind(2, write.reason).Bind(3, study_id);
  return stmt->Run();
}

absl::Status SqliteStorage::Apply(const StudySpecWrite& write) {
  ASSIGN_OR_RETURN(int64_t study_id, StudyId(write.spec.name()));
  ASSIGN_OR_RETURN(sqlite::Statement * stmt,
                   Cached("UPDATE studies SET spec = ? WHERE study_id = ?"));
  stmt->BindBlob(1, write.spec.SerializeAsString()).Bind(2, study_id);
  return stmt->Run();
}

absl::Status SqliteStorage::Apply(const DeleteStudyWrite& write) {
  ASSIGN_OR_RETURN(int64_t study_id, StudyId(write.study_name));
  // Children first: the tables reference their parents.
  static constexpr const char* kDeletes[] = {
      "DELETE FROM trial_intermediate_values WHERE trial_id IN "
      "(SELECT trial_id FROM trials WHERE study_id = ?)",
      "DELETE FROM trial_user_attrs WHERE trial_id IN "
      "(SELECT trial_id FROM trials WHERE study_id = ?)",
      "DELETE FROM trial_params WHERE trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)",
      "DELETE FROM trials WHERE study_id = ?",
      "DELETE FROM studies WHERE study_id = ?",
  };
  for (const char* sql : kDeletes) {
    ASSIGN_OR_RETURN(sqlite::Statement * stmt, Cached(sql));
    stmt->Bind(1, study_id);
    RETURN_IF_ERROR(stmt->Run());
  }
  study_ids_.erase(write.study_name);
  for (auto it = trial_ids_.begin(); it != trial_ids_.end();) {
    if (it->first.first == study_id) {
      trial_ids_.erase(it++);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

std::optional<int64_t> SqliteStorage::TrialId(int64_t study_id, int64_t number) const {
  auto it = trial_ids_.find(std::make_pair(study_id, number));
  if (it == trial_ids_.end()) return std::nullopt;
  return it->second;
}

absl::Status SqliteStorage::InsertParams(int64_t trial_id, const v1::Trial& trial) {
  ASSIGN_OR_RETURN(sqlite::Statement* stmt,
                   Cached("INSERT INTO trial_params (trial_id, name, kind, value) "
                          "VALUES (?, ?, ?, ?)"));
  for (const auto& [name, value] : trial.params()) {
    stmt->Bind(1, trial_id).Bind(2, name);
    switch (value.kind_case()) {
      case v1::ParamValue::kFloatValue:
        stmt->Bind(3, int64_t{1}).Bind(4, value.float_value());
        break;
      case v1::ParamValue::kIntValue:
        stmt->Bind(3, int64_t{2}).Bind(4, value.int_value());
        break;
      case v1::ParamValue::kCategoricalValue:
        stmt->Bind(3, int64_t{3}).Bind(4, value.categorical_value());
        break;
      case v1::ParamValue::KIND_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat("trial ", trial.number(), ": param \"", name, "\" has no value"));
    }
    RETURN_IF_ERROR(stmt->Run());
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::ReplaceUserAttrs(int64_t trial_id, const v1::Trial& trial,
                                             bool inserted) {
  if (!inserted) {
    ASSIGN_OR_RETURN(sqlite::Statement* clear,
                     Cached("DELETE FROM trial_user_attrs WHERE trial_id = ?"));
    clear->Bind(1, trial_id);
    RETURN_IF_ERROR(clear->Run());
  }
  if (trial.user_attrs().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(sqlite::Statement* insert,
                   Cached("INSERT INTO trial_user_attrs (trial_id, key, value) "
                          "VALUES (?, ?, ?)"));
  for (const auto& [key, value] : trial.user_attrs()) {
    insert->Bind(1, trial_id).Bind(2, key).Bind(3, value);
    RETURN_IF_ERROR(insert->Run());
  }
  return absl::OkStatus();
}

absl::Status SqliteStorage::Apply(const TrialWrite& write) {
  const v1::Trial& trial = write.trial;
  ASSIGN_OR_RETURN(int64_t study_id, StudyId(trial.study_name()));
  std::optional<int64_t> trial_id = TrialId(study_id, trial.number());
  std::optional<double> value;
  if (trial.has_value()) value = trial.value();
  const bool inserted = !trial_id.has_value();
  if (!inserted) {
    ASSIGN_OR_RETURN(sqlite::Statement* stmt,
                     Cached("UPDATE trials SET state = ?, value = ?, worker_id = ?, "
                            "lease_id = ?, fail_reason = ?, start_time_ms = ?, "
                            "complete_time_ms = ?, retry_of = ? WHERE trial_id = ?"));
    stmt->Bind(1, static_cast<int64_t>(trial.state()))
        .Bind(2, value)
        .Bind(3, trial.worker_id())
        .Bind(4, write.lease_id)
        .Bind(5, trial.fail_reason())
        .Bind(6, trial.start_time_ms())
        .Bind(7, trial.complete_time_ms())
        .Bind(9, *trial_id);
    BindRetryOf(*stmt, 8, trial);
    RETURN_IF_ERROR(stmt->Run());
  } else {
    ASSIGN_OR_RETURN(sqlite::Statement* stmt,
                     Cached("INSERT INTO trials (study_id, number, state, value, worker_id, "
                            "lease_id, fail_reason, start_time_ms, complete_time_ms, "
                            "retry_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    stmt->Bind(1, study_id)
        .Bind(2, trial.number())
        .Bind(3, static_cast<int64_t>(trial.state()))
        .Bind(4, value)
        .Bind(5, trial.worker_id())
        .Bind(6, write.lease_id)
        .Bind(7, trial.fail_reason())
        .Bind(8, trial.start_time_ms())
        .Bind(9, trial.complete_time_ms());
    BindRetryOf(*stmt, 10, trial);
    RETURN_IF_ERROR(stmt->Run());
    trial_id = sqlite3_last_insert_rowid(db_.handle());
    trial_ids_[{study_id, trial.number()}] = *trial_id;
    RETURN_IF_ERROR(InsertParams(*trial_id, trial));
  }
  return ReplaceUserAttrs(*trial_id, trial, inserted);
}

absl::Status SqliteStorage::Apply(const IntermediateValueWrite& write) {
  ASSIGN_OR_RETURN(int64_t study_id, StudyId(write.study_name));
  std::optional<int64_t> trial_id = TrialId(study_id, write.trial_number);
  if (!trial_id.has_value()) {
    return absl::NotFoundError(absl::StrCat("trial ", write.trial_number, " of study \"",
                                            write.study_name, "\" is not stored"));
  }
  ASSIGN_OR_RETURN(sqlite::Statement* stmt,
                   Cached("INSERT OR REPLACE INTO trial_intermediate_values "
                          "(trial_id, step, value) VALUES (?, ?, ?)"));
  stmt->Bind(1, *trial_id).Bind(2, write.value.step()).Bind(3, write.value.value());
  return stmt->Run();
}

}  // namespace hpo::server
