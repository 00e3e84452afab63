// Inter-process advisory locks on a file (flock): a run directory shared by
// concurrent jobs, a feature cache written by two processes. The lock is released
// when the object dies or the process exits, so a killed job never leaves a stale
// lock behind. flock works between processes on one host and, on Linux, over NFS
// (emulated with byte-range locks).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace merhan {

class FileLock {
 public:
  // Blocks until `path` (created if missing) is locked exclusively. DataError
  // naming the path when it cannot be opened or locked. `before_waiting`, when
  // set, is called once if another open file holds the lock, before blocking
  // (to say who waits for what).
  static FileLock Acquire(const std::string& path, const std::function<void()>& before_waiting = {});
  // The lock, or nothing when another open file holds it (this process included).
  static std::optional<FileLock> TryAcquire(const std::string& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  void Release() noexcept;
  int fd_ = -1;
};

}  // namespace merhan
