// Thin RAII wrappers over the SQLite C API: a connection and a prepared
// statement, with errors as absl::Status. Not thread-safe.
#ifndef HPO_SERVER_STORAGE_SQLITE_DB_H_
#define HPO_SERVER_STORAGE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpo::server::sqlite {

// Maps a SQLite result code to a status: SQLITE_FULL / IOERR / BUSY become
// UNAVAILABLE (a retry may succeed once space is freed), READONLY becomes
// FAILED_PRECONDITION, CORRUPT / NOTADB become DATA_LOSS. The message is
// `what`, SQLite's message and, for I/O errors, the operating system's reason
// (e.g. "disk I/O error (File too large)").
absl::Status ErrorStatus(sqlite3* db, int rc, absl::string_view what);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&&) = default;

  // Binders take 1-based parameter indexes, as SQLite does.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, absl::string_view text);
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);
  Statement& Bind(int index, std::optional<double> value);

  // Runs one step: true when a row is ready, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows; then resets for reuse.
  absl::Status Run();
  // Resets the statement and clears its bindings.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  int Type(int column) const { return sqlite3_column_type(stmt_.get(), column); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  absl::Status bind_error_;
};

class Database {
 public:
  // Opens (creating if absent) the file at `path`. A new file is created
  // readable and writable by its owner only.
  static absl::StatusOr<Database> Open(const std::string& path);
  Database(Database&&) = default;
  Database& operator=(Database&&) = default;

  absl::Status Exec(absl::string_view sql);
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  sqlite3* handle() { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// Runs BEGIN IMMEDIATE on construction; rolls back on destruction unless
// Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database* db) : db_(db) {}
  ~Transaction();
  absl::Status Begin();
  absl::Status Commit();

 private:
  Database* db_;
  bool open_ = false;
};

}  // namespace hpo::server::sqlite

#endif  // HPO_SERVER_STORAGE_SQLITE_DB_H_
