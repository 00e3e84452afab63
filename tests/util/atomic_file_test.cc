#include "merhan/util/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

TEST(AtomicFile, FailedWriteLeavesOldContentAndNoTempFile) {
  testing::TempDir dir;
  const std::string path = dir.File("out.txt");
  WriteStringAtomically(path, "old");
  EXPECT_THROW(WriteFileAtomically(path,
                                   [](std::ostream& out) {
                                     out << "half";
                                     throw std::runtime_error("interrupted");
                                   }),
               std::runtime_error);
  EXPECT_EQ(ReadFileToString(path), "old");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, MissingFileIsDataErrorNamingIt) {
  try {
    ReadFileToString("/nonexistent/x.json");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace merhan
