// The run report (report.html, and the summaries beside it) written
// onto a full disk (a file-size limit: EFBIG, test_util.h FileSizeLimit) fails with a
// DataError naming the file, leaves the previous report as it was, and is written
// once there is space.
#include <gtest/gtest.h>

#include "fake_run_dir.h"
#include "merhan/results/report.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

TEST(RunReport, FullDiskIsADataErrorAndKeepsThePreviousReport) {
  testing::TempDir dir;
  const std::string run = dir.File("run");
  const std::vector<std::string> classes = {"neu", "hap", "ang", "sad"};
  testing::WriteFakeRun(run, "full-disk", classes, {testing::MakeFoldSeed(0, 1, 40, 4, 0.7, 1)});
  const std::string path = WriteRunReport(run);
  const std::string before = ReadFileToString(path);
  ASSERT_GT(before.size(), 1000u);
  // More folds: a longer report than the limit lets through.
  testing::WriteFakeRun(run, "full-disk", classes,
                        {testing::MakeFoldSeed(0, 1, 40, 4, 0.7, 1), testing::MakeFoldSeed(1, 1, 40, 4, 0.6, 2),
                         testing::MakeFoldSeed(2, 1, 40, 4, 0.5, 3)});
  std::string error = "(no DataError)";
  {
    testing::FileSizeLimit limit(before.size() / 2);
    try {
      WriteRunReport(run);
    } catch (const DataError& e) {
      error = e.what();
    }
  }
  EXPECT_NE(error.find("cannot write " + path + ": "), std::string::npos) << error;
  EXPECT_EQ(ReadFileToString(path), before);
  for (const auto& name : testing::FileNames(run)) EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
  EXPECT_EQ(WriteRunReport(run), path);
  EXPECT_NE(ReadFileToString(path), before);
}

}  // namespace
}  // namespace merhan
