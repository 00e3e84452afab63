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

TEST(AtomicFile, DirectoryIsWrittenWholeOrNotAtAll) {
  testing::TempDir dir;
  const std::string out = dir.File("model");
  EXPECT_THROW(WriteDirectoryAtomically(out,
                                        [](const std::string& tmp) {
                                          WriteStringAtomically(tmp + "/a.txt", "half");
                                          throw DataError("interrupted");
                                        }),
               DataError);
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  EXPECT_EQ(entries, 0) << "neither the directory nor its temp copy may be left";

  WriteDirectoryAtomically(out, [](const std::string& tmp) { WriteStringAtomically(tmp + "/a.txt", "whole"); });
  EXPECT_EQ(ReadFileToString(out + "/a.txt"), "whole");
  // An existing directory is never replaced.
  try {
    WriteDirectoryAtomically(out, [](const std::string&) {});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(out), std::string::npos);
  }
  EXPECT_EQ(ReadFileToString(out + "/a.txt"), "whole");
}

}  // namespace
}  // namespace merhan
