#include "server/storage/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpo::server {
namespace {

// The pid /proc/locks gives for a flock on the file open as `fd`, or "".
std::string FlockHolder(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return "";
  // Lines look like "1: FLOCK  ADVISORY  WRITE 10798 08:01:1234 0 EOF".
  const std::string id = absl::StrFormat("%02x:%02x:%u", major(st.st_dev), minor(st.st_dev),
                                         static_cast<unsigned long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string ordinal, kind, mode, access, pid, file;
    if (fields >> ordinal >> kind >> mode >> access >> pid >> file && kind == "FLOCK" &&
        file == id) {
      return pid;
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<FileLock> FileLock::Exclusive(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, " to lock it: ", std::strerror(errno)));
  }
  FileLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return lock;
  if (errno != EWOULDBLOCK) return FileLock(-1);  // no flock here: go on unlocked
  const std::string holder = FlockHolder(fd);
  return absl::FailedPreconditionError(absl::StrCat(
      path, " is in use by another process", holder.empty() ? "" : " (pid " + holder + ")",
      ", most likely another hpo-coordinator: one coordinator serves a database; stop it or "
      "give this one another --db"));
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace hpo::server
