// An exclusive advisory lock (flock) on a lock file, held for the object's life:
// two processes that build the same directory take turns.
#pragma once

#include <string>

namespace merhan {

class DirLock {
 public:
  // Creates `path` if needed and blocks until the lock is ours; DataError naming
  // the file when it cannot be opened or locked.
  explicit DirLock(const std::string& path);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace merhan
