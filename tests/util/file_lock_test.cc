#include "merhan/util/file_lock.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

// flock locks belong to open files, so a second open in this process conflicts
// exactly as another process would.
TEST(FileLock, SecondHolderIsRefusedUntilTheFirstReleases) {
  testing::TempDir dir;
  const std::string path = dir.File("run.lock");
  {
    FileLock held = FileLock::Acquire(path);
    EXPECT_FALSE(FileLock::TryAcquire(path).has_value());
    FileLock moved = std::move(held);  // the lock travels with the object
    EXPECT_FALSE(FileLock::TryAcquire(path).has_value());
  }
  EXPECT_TRUE(FileLock::TryAcquire(path).has_value());
}

TEST(FileLock, AnotherProcessWaitsAndTheLockDiesWithItsProcess) {
  testing::TempDir dir;
  const std::string path = dir.File("run.lock");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the lock, says so, and exits without releasing it
    FileLock lock = FileLock::Acquire(path);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    ::usleep(200 * 1000);
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_FALSE(FileLock::TryAcquire(path).has_value());
  FileLock mine = FileLock::Acquire(path);  // blocks until the child is gone
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ::close(ready[0]);
  ::close(ready[1]);
}

// A process that must wait is told so once, before it blocks (here it tells the
// holder to let go); a free lock is taken without a word.
TEST(FileLock, WaitingIsAnnouncedOnceBeforeBlocking) {
  testing::TempDir dir;
  const std::string path = dir.File("cache.lock");
  int waits = 0;
  {
    FileLock taken = FileLock::Acquire(path, [&] { ++waits; });
  }
  EXPECT_EQ(waits, 0);
  int ready[2], go[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the lock until told (10 s at most)
    FileLock lock = FileLock::Acquire(path);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    pollfd told{go[0], POLLIN, 0};
    ::_exit(::poll(&told, 1, 10000) == 1 ? 0 : 3);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  FileLock mine = FileLock::Acquire(path, [&] {
    ++waits;
    const char go_on = 1;
    EXPECT_EQ(::write(go[1], &go_on, 1), 1);
  });
  EXPECT_EQ(waits, 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
}

TEST(FileLock, UnopenablePathIsDataErrorNamingIt) {
  try {
    FileLock::Acquire("/nonexistent-dir/x.lock");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.lock"), std::string::npos);
  }
}

}  // namespace
}  // namespace merhan
