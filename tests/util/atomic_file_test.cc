#include "merhan/util/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <vector>

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

// A full disk (here a file-size limit: EFBIG) is a DataError naming
// the file; the previous content stays, no temp file is left, and with space again
// the same write succeeds.
TEST(AtomicFile, FullDiskIsADataErrorNamingThePathAndKeepsThePreviousFile) {
  testing::TempDir dir;
  const std::string path = dir.File("report.html");
  WriteStringAtomically(path, "previous");
  const std::string big(256 * 1024, 'x');
  std::string error = "(no DataError)";
  {
    testing::FileSizeLimit limit(64 * 1024);
    try {
      WriteStringAtomically(path, big);
    } catch (const DataError& e) {
      error = e.what();
    }
  }
  EXPECT_NE(error.find("cannot write " + path + ": "), std::string::npos) << error;
  EXPECT_NE(error.find("file-size limit"), std::string::npos) << error;
  EXPECT_EQ(ReadFileToString(path), "previous");
  EXPECT_EQ(testing::FileNames(dir.path()), std::vector<std::string>{"report.html"});
  WriteStringAtomically(path, big);
  EXPECT_EQ(ReadFileToString(path), big);
}

// A serializer that notices the failed stream and throws its own exception (as
// LibTorch's archive writer does) still gives the DataError naming the path.
TEST(AtomicFile, SerializerExceptionOnAFullDiskBecomesADataError) {
  testing::TempDir dir;
  const std::string path = dir.File("last.ckpt");
  WriteStringAtomically(path, "previous");
  testing::FileSizeLimit limit(4096);
  try {
    WriteFileAtomically(path, [](std::ostream& out) {
      const std::string block(8192, 'y');
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
      out.flush();
      if (!out) throw std::runtime_error("PytorchStreamWriter failed writing file data/0");
    });
    ADD_FAILURE() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + path), std::string::npos) << e.what();
  }
  EXPECT_EQ(ReadFileToString(path), "previous");
  EXPECT_EQ(testing::FileNames(dir.path()), std::vector<std::string>{"last.ckpt"});
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

// With `replace`, an existing directory is exchanged for the new one only once the
// new one is complete: a fill that fails on a full disk leaves the old one and no temp
// directory, with a DataError naming the directory.
TEST(AtomicFile, DirectoryIsReplacedInOneStepOrNotAtAll) {
  testing::TempDir dir;
  const std::string out = dir.File("model");
  WriteDirectoryAtomically(out, [](const std::string& tmp) { WriteStringAtomically(tmp + "/a.txt", "old"); });
  {
    testing::FileSizeLimit limit(4096);
    try {
      WriteDirectoryAtomically(
          out,
          [](const std::string& tmp) {
            WriteStringAtomically(tmp + "/a.txt", "new");
            WriteStringAtomically(tmp + "/big.bin", std::string(64 * 1024, 'x'));
          },
          true);
      ADD_FAILURE() << "a write past the file-size limit succeeded";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot write " + out + ": "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(out + " was left as it was"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(ReadFileToString(out + "/a.txt"), "old");
  EXPECT_EQ(testing::FileNames(dir.path()), std::vector<std::string>{"model"});

  WriteDirectoryAtomically(
      out, [](const std::string& tmp) { WriteStringAtomically(tmp + "/b.txt", "new"); }, true);
  EXPECT_EQ(testing::FileNames(out), std::vector<std::string>{"b.txt"});
  EXPECT_EQ(testing::FileNames(dir.path()), std::vector<std::string>{"model"});
}

}  // namespace
}  // namespace merhan
