// An exclusive flock(2) on a file, held until destruction: one coordinator
// per database. A second coordinator on the same file would serve its own,
// stale copy of every study and overwrite what the first one recorded.
//
// flock locks do not interact with the POSIX record locks SQLite takes on the
// same file. Closing any descriptor of a file drops the process's POSIX locks
// on it, so the lock must outlive the SQLite connection (declare it first).
#ifndef HPO_SERVER_STORAGE_FILE_LOCK_H_
#define HPO_SERVER_STORAGE_FILE_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace hpo::server {

class FileLock {
 public:
  // Locks the existing file at `path` without waiting. FAILED_PRECONDITION,
  // naming the holder's pid when /proc/locks shows it, if another open file
  // holds the lock. A file system without flock support gives an unlocked
  // FileLock rather than an error.
  static absl::StatusOr<FileLock> Exclusive(const std::string& path);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace hpo::server

#endif  // HPO_SERVER_STORAGE_FILE_LOCK_H_
