#include "server/storage/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hpo::server::sqlite {

namespace {

// What SQLite's own message leaves out. It says "disk I/O error" whether the
// disk is full, the file hit its size limit (EFBIG) or the device failed, and
// "attempt to write a readonly database" when the file is writable but its
// directory is not. `call_errno` is errno just after the failed call:
// sqlite3_system_errno() stays 0 when a COMMIT fails to write the WAL.
std::string Detail(sqlite3* db, int rc, int call_errno) {
  if (rc == SQLITE_READONLY_DIRECTORY) {
    return " (its directory is not writable, so SQLite cannot create the -wal and -shm files "
           "beside it)";
  }
  int os_error = db != nullptr ? sqlite3_system_errno(db) : 0;
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
      if (os_error == 0) os_error = call_errno;
      break;
    case SQLITE_CANTOPEN:
      break;
    default:
      return "";
  }
  return os_error != 0 ? absl::StrCat(" (", std::strerror(os_error), ")") : "";
}

}  // namespace

absl::Status ErrorStatus(sqlite3* db, int rc, absl::string_view what) {
  const int call_errno = errno;  // first: anything below may change it
  std::string message =
      absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                   Detail(db, rc, call_errno));
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = ErrorStatus(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = ErrorStatus(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view text) {
  int rc = sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = ErrorStatus(db_, rc, "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  int rc = sqlite3_bind_blob(stmt_.get(), index, bytes.data(), static_cast<int>(bytes.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = ErrorStatus(db_, rc, "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = ErrorStatus(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::optional<double> value) {
  return value.has_value() ? Bind(index, *value) : BindNull(index);
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  errno = 0;  // so that ErrorStatus sees only what this step set
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(db_, rc, sqlite3_sql(stmt_.get()));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  Reset();
  if (!row.ok()) return row.status();
  if (*row) return absl::InternalError("statement returned a row where none was expected");
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = absl::OkStatus();
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}
int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_.get(), column); }
std::string Statement::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
}

absl::StatusOr<Database> Database::Open(const std::string& path) {
  // Create the file ourselves so that its mode is 0600 whatever the umask.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open database file ", path, ": ", std::strerror(errno)));
  }
  ::close(fd);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  Database result(db);  // closes db on every path
  if (rc != SQLITE_OK) return ErrorStatus(db, rc, absl::StrCat("open ", path));
  sqlite3_extended_result_codes(db, 1);
  return result;
}

absl::Status Database::Exec(absl::string_view sql) {
  char* error = nullptr;
  std::string sql_string(sql);
  errno = 0;  // so that ErrorStatus sees only what this call set
  int rc = sqlite3_exec(db_.get(), sql_string.c_str(), nullptr, nullptr, &error);
  absl::Status status = rc == SQLITE_OK ? absl::OkStatus() : ErrorStatus(db_.get(), rc, sql_string);
  sqlite3_free(error);
  return status;
}

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(db_.get(), rc, absl::StrCat("prepare ", sql));
  return Statement(db_.get(), stmt);
}

Transaction::~Transaction() {
  if (open_) db_->Exec("ROLLBACK").IgnoreError();
}

absl::Status Transaction::Begin() {
  absl::Status status = db_->Exec("BEGIN IMMEDIATE");
  open_ = status.ok();
  return status;
}

absl::Status Transaction::Commit() {
  absl::Status status = db_->Exec("COMMIT");
  if (status.ok()) open_ = false;
  return status;
}

}  // namespace hpo::server::sqlite
