// The state of every planned (fold, seed) of a run directory (experiment/run_merge.h):
// finished, running (another holder of the pair's lock), unfinished, missing, in
// the order a sequential run trains them; and ListFoldSeeds' folder walk.
#include "merhan/experiment/run_merge.h"

#include <gtest/gtest.h>

#include "fake_run_dir.h"
#include "merhan/experiment/run_directory.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

std::vector<std::string> States(const std::vector<FoldSeedStatus>& all) {
  std::vector<std::string> out;
  for (const auto& s : all) out.push_back(s.ToString());
  return out;
}

TEST(RunMerge, EveryPlannedPairHasItsStateInTrainingOrder) {
  testing::TempDir tmp;
  const std::string run = tmp.File("run");
  const std::vector<std::string> classes = {"neu", "ang"};
  testing::WriteFakeRun(run, "r", classes,
                        {testing::MakeFoldSeed(0, 1, 10, 2, 0.8, 1), testing::MakeFoldSeed(0, 2, 10, 2, 0.8, 2)});
  // The plan: seeds 2 then 1, every fold of a 3-fold protocol (data.json).
  WriteStringAtomically(run + "/config.json",
                        nlohmann::json{{"data", {{"classes", classes}}}, {"run", {{"seeds", {2, 1}}}}}.dump());
  WriteStringAtomically(run + "/data.json",
                        nlohmann::json{{"folds", {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}}}}.dump());
  for (int seed : {1, 2}) {
    CreateDirectories(FoldSeedDir(run, 1, seed));
    WriteStringAtomically(FoldSeedDir(run, 1, seed) + "/metrics.jsonl", seed == 2 ? "{}\n{}\n" : "{}\n");
  }
  CreateDirectories(run + "/fold-0/notes");   // not a seed folder
  CreateDirectories(run + "/fold-x/seed-1");  // not a fold folder
  const FileLock training = LockFoldSeed(FoldSeedDir(run, 1, 2));

  EXPECT_EQ(States(InspectRun(run)), (std::vector<std::string>{
                                         "fold 0 seed 2: finished",
                                         "fold 1 seed 2: running, 2 epoch(s) done",
                                         "fold 2 seed 2: missing",
                                         "fold 0 seed 1: finished",
                                         "fold 1 seed 1: unfinished, 1 epoch(s) done",
                                         "fold 2 seed 1: missing",
                                     }));
  const auto found = ListFoldSeeds(run);
  ASSERT_EQ(found.size(), 4u);  // fold-0/seed-1, fold-0/seed-2, fold-1/seed-1, fold-1/seed-2
  EXPECT_TRUE(found[0].finished);
  EXPECT_EQ(found[3].fold, 1);
  EXPECT_EQ(found[3].seed, 2);
  EXPECT_FALSE(found[3].finished);
  // A second process on a pair being trained is refused.
  EXPECT_THROW(LockFoldSeed(FoldSeedDir(run, 1, 2)), UsageError);
}

TEST(RunMerge, NothingFinishedIsADataErrorListingThePlan) {
  testing::TempDir tmp;
  const std::string run = tmp.File("run");
  CreateDirectories(run);
  WriteStringAtomically(run + "/config.json", nlohmann::json{{"run", {{"seeds", {1}}, {"folds", {0, 3}}}}}.dump());
  try {
    MergeRun(run, ExperimentConfig());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("fold 3 seed 1: missing"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace merhan
