#include "merhan/experiment/cross_validation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "merhan/results/report.h"
#include "merhan/results/run_layout.h"
#include "merhan/results/summary.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "test_util.h"
#include "train_test_support.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::MakeExamples;
using testing::SyntheticSource;
using testing::TempDir;
using testing::TinyModel;

constexpr int kDim = 6;

struct SyntheticCorpus {
  std::vector<std::pair<int, int>> provided;  // (fold, seed) asked for
  std::vector<std::shared_ptr<SyntheticSource>> trains, tests;
  std::vector<int> train_passes_when_tested;

  CrossValidationPlan Plan() {
    CrossValidationPlan plan;
    plan.num_folds = 3;
    plan.fold_names = {"Session1", "Session2", "Session3"};
    plan.classes = {"neu", "hap", "ang"};
    plan.dims = {3, kDim, 0};
    plan.make_model = [](const ModelDims& d) { return testing::AsEmotionModel(TinyModel(d.audio_dim, d.num_classes)); };
    plan.provider = [this](int fold, int seed) {
      provided.emplace_back(fold, seed);
      FoldData d;
      auto train = std::make_shared<SyntheticSource>(MakeExamples(60, kDim, 3, 100 + fold, 1.5), 8, true, seed);
      auto val = std::make_shared<SyntheticSource>(MakeExamples(24, kDim, 3, 200 + fold, 1.5, "v"), 8, false);
      auto test = std::make_shared<SyntheticSource>(
          MakeExamples(30, kDim, 3, 300 + fold, 1.5, "Ses0" + std::to_string(fold + 1) + "_"), 8, false);
      SyntheticSource* train_raw = train.get();
      test->on_epoch = [this, train_raw](int) { train_passes_when_tested.push_back(train_raw->passes); };
      d.train = train;
      d.val = val;
      d.test = test;
      d.train_class_counts = {20, 20, 20};
      trains.push_back(train);
      tests.push_back(test);
      return d;
    };
    return plan;
  }
};

ExperimentConfig SmallConfig(const std::string& out_dir) {
  ExperimentConfig c;
  c.run.name = "cv";
  c.run.out_dir = out_dir;
  c.run.seeds = {1, 2};
  c.train.epochs = 3;
  c.train.lr = 0.02;
  c.train.batch_size = 8;
  c.train.patience = 0;
  c.train.device = "cpu";
  c.train.bf16 = false;
  c.train.class_weights = "balanced";
  return c;
}

TEST(CrossValidation, RunsEveryFoldAndSeedAndTestsOnceAfterTraining) {
  TempDir tmp;
  SyntheticCorpus corpus;
  std::string run_dir;
  const RunSummary summary =
      RunCrossValidation(SmallConfig(tmp.path()), corpus.Plan(), {"merhan", "train"}, "", &run_dir);
  ASSERT_EQ(summary.outcomes.size(), 6u);
  EXPECT_EQ(corpus.provided, (std::vector<std::pair<int, int>>{{0, 1}, {1, 1}, {2, 1}, {0, 2}, {1, 2}, {2, 2}}));
  // The test split is read exactly once per (fold, seed), after all 3 epochs.
  for (const auto& t : corpus.tests) EXPECT_EQ(t->passes, 1);
  EXPECT_EQ(corpus.train_passes_when_tested, std::vector<int>(6, 3));
  for (int seed : {1, 2}) {
    for (int fold = 0; fold < 3; ++fold) {
      const std::string d = FoldSeedDir(run_dir, fold, seed);
      for (const char* f :
           {"metrics.jsonl", "best.ckpt", "last.ckpt", "test_metrics.json", "predictions.csv", "done.json"}) {
        EXPECT_TRUE(fs::exists(d + "/" + f)) << d << "/" << f;
      }
    }
  }
  for (const char* f :
       {"summary.json", "summary.csv", "summary.md", "report.html", "config.json", "environment.json"}) {
    EXPECT_TRUE(fs::exists(run_dir + "/" + f)) << f;
  }
  // No temp files anywhere in the run directory.
  for (const auto& e : fs::recursive_directory_iterator(run_dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  // The synthetic problem is learnable: mean test UAR well above chance (1/3).
  EXPECT_GT(summary.metrics[1].mean, 0.6);
  const auto json = ParseJson(ReadFileToString(run_dir + "/summary.json"), "summary.json");
  EXPECT_EQ(json["runs"].size(), 6u);
  EXPECT_DOUBLE_EQ(json["mean_std"]["uar"]["mean"].get<double>(), summary.metrics[1].mean);
  // predictions.csv: header + one row per test utterance, probabilities per class.
  const std::string csv = ReadFileToString(FoldSeedDir(run_dir, 0, 1) + "/predictions.csv");
  EXPECT_EQ(csv.rfind("id,true,pred,p_neu,p_hap,p_ang\n", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 31);
  // Eval of best.ckpt is consistent with what the driver recorded.
  CheckpointReader best(FoldSeedDir(run_dir, 2, 2) + "/best.ckpt");
  EXPECT_EQ(best.meta().fold, 2);
  EXPECT_EQ(best.meta().seed, 2);
  EXPECT_EQ(best.meta().fold_name, "Session3");
  EXPECT_EQ(best.meta().config, ParseJson(ReadFileToString(run_dir + "/config.json"), "config.json"));

  // Resume: finished pairs are skipped; an unfinished one is tested again from
  // its checkpoints without training more; the summary is unchanged.
  fs::remove(FoldSeedDir(run_dir, 1, 2) + "/done.json");
  SyntheticCorpus again;
  const RunSummary resumed = RunCrossValidation(SmallConfig(tmp.path()), again.Plan(), {"merhan"}, run_dir);
  EXPECT_EQ(again.provided, (std::vector<std::pair<int, int>>{{1, 2}}));
  EXPECT_EQ(again.trains.at(0)->passes, 0);
  ASSERT_EQ(resumed.outcomes.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(resumed.outcomes[i].test.uar, summary.outcomes[i].test.uar) << i;
    EXPECT_EQ(resumed.outcomes[i].test.confusion, summary.outcomes[i].test.confusion) << i;
  }
}

TEST(CrossValidation, UnknownFoldIsAUsageError) {
  TempDir tmp;
  SyntheticCorpus corpus;
  ExperimentConfig c = SmallConfig(tmp.path());
  c.run.folds = {5};
  EXPECT_THROW(RunCrossValidation(c, corpus.Plan(), {"merhan"}, ""), UsageError);
}

FoldOutcome Outcome(int fold, int seed, double war, double uar, double f1, double wf1) {
  FoldOutcome o;
  o.fold = fold;
  o.fold_name = "S" + std::to_string(fold);
  o.seed = seed;
  o.best_epoch = 4;
  o.epochs_run = 10;
  o.test_loss = 0.9;
  o.test.war = war;
  o.test.uar = uar;
  o.test.macro_f1 = f1;
  o.test.weighted_f1 = wf1;
  o.test.recall = {0.5, 0.5};
  o.test.precision = {0.5, 0.5};
  o.test.f1 = {0.5, 0.5};
  o.test.support = {2, 2};
  o.test.confusion = {{1, 1}, {1, 1}};
  return o;
}

TEST(Summary, MeanAndSampleStdOnKnownNumbers) {
  // numpy: np.mean([.5,.6,.7]) = 0.6, np.std([.5,.6,.7], ddof=1) = 0.1;
  // np.std([.2,.4,.9], ddof=1) = 0.360555127546...
  const RunSummary s = RunSummary::From(
      {Outcome(0, 1, 0.2, 0.5, 0.3, 0.4), Outcome(1, 1, 0.4, 0.6, 0.3, 0.4), Outcome(2, 1, 0.9, 0.7, 0.3, 0.4)},
      {"a", "b"});
  EXPECT_NEAR(s.metrics[1].mean, 0.6, 1e-12);
  EXPECT_NEAR(s.metrics[1].std, 0.1, 1e-12);
  EXPECT_NEAR(s.metrics[0].mean, 0.5, 1e-12);
  EXPECT_NEAR(s.metrics[0].std, 0.36055512754639896, 1e-12);
  EXPECT_NEAR(s.metrics[2].std, 0.0, 1e-12);
  EXPECT_EQ(s.metrics[0].n, 3);
  EXPECT_EQ(s.confusion, (std::vector<std::vector<int64_t>>{{3, 3}, {3, 3}}));
  EXPECT_NE(s.ToMarkdown().find("| **50.00 ± 36.06** | **60.00 ± 10.00** | **30.00 ± 0.00** | **40.00 ± 0.00** |"),
            std::string::npos)
      << s.ToMarkdown();
  const std::string csv = s.ToCsv();
  EXPECT_NE(csv.find("\nmean,,,,,,0.500000,0.600000,0.300000,0.400000\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nstd,,,,,,0.360555,0.100000,0.000000,0.000000\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n1,S1,1,5,10,0.900000,0.400000,0.600000,0.300000,0.400000\n"), std::string::npos) << csv;
  // One run: std 0, not NaN.
  const RunSummary one = RunSummary::From({Outcome(0, 1, 0.2, 0.5, 0.3, 0.4)}, {"a", "b"});
  EXPECT_EQ(one.metrics[1].std, 0.0);
  // JSON round trip of a fold result.
  const auto j = Outcome(1, 2, 0.4, 0.6, 0.3, 0.4).ToJson({"a", "b"});
  const FoldOutcome back = FoldOutcome::FromJson(j, "x");
  EXPECT_EQ(back.seed, 2);
  EXPECT_DOUBLE_EQ(back.test.uar, 0.6);
  EXPECT_EQ(back.test.confusion, (std::vector<std::vector<int64_t>>{{1, 1}, {1, 1}}));
}

TEST(Report, IsSelfContainedHtmlWithTheCharts) {
  TempDir tmp;
  SyntheticCorpus corpus;
  ExperimentConfig c = SmallConfig(tmp.path());
  c.run.seeds = {1};
  std::string run_dir;
  RunCrossValidation(c, corpus.Plan(), {"merhan"}, "", &run_dir);
  const std::string html = ReadFileToString(run_dir + "/report.html");
  // For looking at it in a browser: MERHAN_TEST_KEEP_REPORT=/tmp/report.html.
  if (const char* keep = std::getenv("MERHAN_TEST_KEEP_REPORT")) WriteStringAtomically(keep, html);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = html.find(needle); p != std::string::npos; p = html.find(needle, p + 1)) ++n;
    return n;
  };
  // loss, UAR, confusion heatmap, recall bars, reliability before and after calibration
  EXPECT_EQ(count("<svg"), 6u);
  EXPECT_NE(html.find("After scaling (pooled ECE"), std::string::npos);
  EXPECT_EQ(count("<svg"), count("</svg>"));
  EXPECT_EQ(count("<table"), count("</table>"));
  EXPECT_NE(html.find("aria-label=\"confusion matrix\""), std::string::npos);
  EXPECT_NE(html.find("aria-label=\"per-class recall\""), std::string::npos);
  // Nothing is fetched: no URLs, scripts, external stylesheets, fonts or images.
  for (const char* banned : {"http://", "https://", "<script", "<link", "@import", "url(", "<img", "src="}) {
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  }
  // Each fold appears in the table with its held-out name; 3 learning curves.
  for (const char* name : {"Session1", "Session2", "Session3"}) EXPECT_NE(html.find(name), std::string::npos);
  EXPECT_EQ(count("stroke-dasharray=\"5 3\"><title>"), 3u);
  // The summed confusion matrix has every test utterance: 3 folds x 30.
  const ReportData data = CollectReportData(run_dir);
  ASSERT_EQ(data.runs.size(), 3u);
  int64_t total = 0;
  for (const auto& r : data.runs)
    for (const auto& row : r.outcome.test.confusion)
      for (auto v : row) total += v;
  EXPECT_EQ(total, 90);
  EXPECT_EQ(data.runs[0].history.size(), 3u);
}

}  // namespace
}  // namespace merhan
