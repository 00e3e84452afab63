#include "merhan/util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "merhan/util/error.h"

namespace merhan {
namespace {

int OpenLockFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw DataError(path + ": cannot open lock file: " + std::strerror(errno));
  return fd;
}

// flock() until it succeeds or fails for a reason other than a signal; returns
// false only when `block` is false and another open file holds the lock.
bool Lock(int fd, bool block, const std::string& path) {
  const int op = LOCK_EX | (block ? 0 : LOCK_NB);
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    if (!block && errno == EWOULDBLOCK) return false;
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw DataError(path + ": cannot lock: " + why);
  }
  return true;
}

}  // namespace

FileLock FileLock::Acquire(const std::string& path, const std::function<void()>& before_waiting) {
  const int fd = OpenLockFile(path);
  if (!before_waiting || !Lock(fd, false, path)) {
    if (before_waiting) before_waiting();
    Lock(fd, true, path);
  }
  return FileLock(fd);
}

std::optional<FileLock> FileLock::TryAcquire(const std::string& path) {
  const int fd = OpenLockFile(path);
  if (!Lock(fd, false, path)) {
    ::close(fd);
    return std::nullopt;
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() { Release(); }

void FileLock::Release() noexcept {
  if (fd_ < 0) return;
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace merhan
