// Folds as independent jobs (docs/cli.md "Jobs"): two `merhan train --run-dir D
// --fold K` processes started at once into one run directory, then `merhan
// report D`, give the summary one sequential `merhan train` gives; a job with
// another config is refused; report names the pairs that are missing or
// unfinished. Tiny corpus, tiny model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::Merhan;
using testing::Quote;
using testing::ReadJson;
using testing::RunCommand;
using testing::Slurp;

class RunJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto made = testing::MakeTinyCorpus(dir_, 5);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    std::ofstream(dir_.File("jobs.json"))
        << testing::TinyTrainConfig(dir_,
                                    {{"run", {{"name", "seq"}, {"folds", {0, 1}}, {"out_dir", dir_.File("runs")}}},
                                     {"train", {{"epochs", 2}}}})
               .dump(2);
  }
  std::string Train(const std::string& extra) {
    return Merhan("train --config " + Quote(dir_.File("jobs.json")) + " " + extra);
  }
  testing::TempDir dir_;
};

TEST_F(RunJobs, TwoConcurrentJobsThenReportEqualOneSequentialRun) {
  const auto seq = RunCommand(Train(""));
  ASSERT_EQ(seq.exit_code, 0) << seq.output;
  std::string seq_dir;
  for (const auto& e : fs::directory_iterator(dir_.File("runs/seq"))) seq_dir = e.path().string();

  // Both jobs start at once on an empty run directory and an empty feature cache.
  const std::string shared = dir_.File("shared");
  const std::string job = Train("--set data.cache_dir=" + Quote(dir_.File("cache2")) + " --run-dir " + Quote(shared));
  const auto both = RunCommand("(" + job + " --fold 0 >" + Quote(dir_.File("a.log")) + " 2>&1) & a=$!; (" + job +
                               " --fold 1 >" + Quote(dir_.File("b.log")) +
                               " 2>&1) & b=$!; "
                               "wait $a; ra=$?; wait $b; rb=$?; echo \"$ra $rb\"; [ $ra = 0 ] && [ $rb = 0 ]");
  ASSERT_EQ(both.exit_code, 0) << both.output << Slurp(dir_.File("a.log")) << Slurp(dir_.File("b.log"));
  const auto report = RunCommand(Merhan("report --require-complete " + Quote(shared)));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_NE(report.output.find("all 2 planned (fold, seed) pairs have finished"), std::string::npos) << report.output;

  EXPECT_EQ(ReadJson(shared + "/summary.json"), ReadJson(seq_dir + "/summary.json"));
  EXPECT_EQ(Slurp(shared + "/summary.md"), Slurp(seq_dir + "/summary.md"));
  EXPECT_EQ(Slurp(shared + "/summary.csv"), Slurp(seq_dir + "/summary.csv"));
  for (const char* pair : {"fold-0/seed-1", "fold-1/seed-1"}) {
    EXPECT_EQ(Slurp(shared + "/" + pair + "/predictions.csv"), Slurp(seq_dir + "/" + pair + "/predictions.csv"))
        << pair;
  }
  EXPECT_TRUE(fs::exists(shared + "/report.html"));
  EXPECT_TRUE(fs::exists(shared + "/data.json"));
  const std::string jobs = Slurp(shared + "/jobs.txt");
  EXPECT_EQ(std::count(jobs.begin(), jobs.end(), '\n'), 2) << jobs;

  // Another config into the same run directory: refused (exit 2), naming the key.
  const auto other = RunCommand(job + " --fold 0 --set train.lr=0.5");
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_NE(other.output.find("/train/lr"), std::string::npos) << other.output;
  // A seed outside the plan: refused before anything is trained.
  const auto seed = RunCommand(job + " --seed 7");
  EXPECT_EQ(seed.exit_code, 2) << seed.output;
  EXPECT_NE(seed.output.find("--seed 7"), std::string::npos) << seed.output;

  // Report on a partial run: fold 1 never started, or started and stopped.
  const std::string partial = dir_.File("partial");
  fs::copy(shared, partial, fs::copy_options::recursive);
  fs::remove_all(partial + "/fold-1");
  auto r = RunCommand(Merhan("report " + Quote(partial)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fold 1 seed 1: missing"), std::string::npos) << r.output;
  EXPECT_EQ(ReadJson(partial + "/summary.json")["runs"].size(), 1u);
  EXPECT_EQ(ReadJson(partial + "/summary.json")["pending"], nlohmann::json({"fold 1 seed 1: missing"}));
  EXPECT_NE(Slurp(partial + "/report.html").find("fold 1 seed 1: missing"), std::string::npos);
  fs::copy(shared + "/fold-1", partial + "/fold-1", fs::copy_options::recursive);
  fs::remove(partial + "/fold-1/seed-1/test_metrics.json");
  r = RunCommand(Merhan("report --require-complete " + Quote(partial)));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("fold 1 seed 1: unfinished, 2 epoch(s) done"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
