// merhan compare's library side and the summary's bootstrap intervals, on run
// directories written by tests/fake_run_dir.h. The statistics themselves
// are checked against scipy/statsmodels in tests/stats; here: that the right
// numbers reach them, the refusals, and the outputs.
#include "merhan/results/run_comparison.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_run_dir.h"
#include "merhan/results/run_predictions.h"
#include "merhan/runtime/metrics.h"
#include "merhan/stats/holm.h"
#include "merhan/stats/mcnemar.h"
#include "merhan/stats/wilcoxon.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::FakeFoldSeed;
using testing::MakeFoldSeed;
using testing::TempDir;
using testing::WriteFakeRun;

const std::vector<std::string> kClasses = {"neu", "hap", "ang", "sad"};

// 3 folds x 2 seeds; fold sizes differ.
std::vector<FakeFoldSeed> Parts(double accuracy, uint64_t salt) {
  std::vector<FakeFoldSeed> parts;
  for (int fold = 0; fold < 3; ++fold) {
    for (int seed : {1, 2})
      parts.push_back(MakeFoldSeed(fold, seed, 60 + 20 * fold, 4, accuracy, salt + 10 * fold + seed));
  }
  return parts;
}

double Uar(const FakeFoldSeed& p) { return ComputeMetrics(p.truth, p.predicted, 4).uar; }

TEST(RunComparison, PairsRunsAndFeedsTheTests) {
  TempDir tmp;
  const auto ref = Parts(0.6, 100), better = Parts(0.8, 200), same = Parts(0.6, 300);
  WriteFakeRun(tmp.File("ref"), "merhan", kClasses, ref);
  WriteFakeRun(tmp.File("better"), "better", kClasses, better);
  WriteFakeRun(tmp.File("same"), "same", kClasses, same);
  CompareOptions options;
  options.replicates = 400;
  const RunComparison c = CompareRuns({tmp.File("ref"), tmp.File("better"), tmp.File("same")}, options);
  ASSERT_EQ(c.runs.size(), 3u);
  EXPECT_EQ(c.reference, 0u);
  EXPECT_TRUE(c.runs[0].is_reference);
  EXPECT_EQ(c.folds, (std::vector<int>{0, 1, 2}));

  // The paired UAR differences, by hand.
  std::vector<double> d;
  int wins = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    d.push_back(Uar(better[i]) - Uar(ref[i]));
    wins += d.back() > 0;
  }
  double mean = 0;
  for (double v : d) mean += v / d.size();
  const auto& uar = c.runs[1].paired_metrics[1];
  EXPECT_EQ(c.runs[1].paired, 6);
  EXPECT_NEAR(uar.mean_difference, mean, 1e-12);
  EXPECT_EQ(uar.wins, wins);
  const auto w = stats::WilcoxonSignedRank(d);
  EXPECT_DOUBLE_EQ(uar.wilcoxon.statistic, w.statistic);
  EXPECT_DOUBLE_EQ(uar.wilcoxon.pvalue, w.pvalue);
  EXPECT_LT(uar.interval.low, uar.mean_difference);
  EXPECT_GT(uar.interval.high, uar.mean_difference);
  EXPECT_GT(uar.interval.low, 0) << "an 0.6 vs 0.8 accuracy gap over 1080 utterances is clear";

  // Holm over the two compared runs, per metric.
  const auto holm =
      stats::HolmCorrection({c.runs[1].paired_metrics[1].wilcoxon.pvalue, c.runs[2].paired_metrics[1].wilcoxon.pvalue});
  EXPECT_DOUBLE_EQ(c.runs[1].paired_metrics[1].wilcoxon_holm, holm.adjusted[0]);
  EXPECT_DOUBLE_EQ(c.runs[2].paired_metrics[1].wilcoxon_holm, holm.adjusted[1]);

  // McNemar on every utterance of every (fold, seed).
  int64_t b = 0, cc = 0, n = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    for (size_t k = 0; k < ref[i].ids.size(); ++k) {
      const bool r = ref[i].truth[k] == ref[i].predicted[k], x = better[i].truth[k] == better[i].predicted[k];
      b += r && !x;
      cc += !r && x;
      ++n;
    }
  }
  EXPECT_EQ(c.runs[1].pooled_utterances, n);
  EXPECT_EQ(c.runs[1].mcnemar.b, b);
  EXPECT_EQ(c.runs[1].mcnemar.c, cc);
  EXPECT_DOUBLE_EQ(c.runs[1].mcnemar.pvalue, stats::McNemar(b, cc).pvalue);
  EXPECT_TRUE(c.runs[1].mcnemar_significant);

  // Mean ± std as the summaries compute them.
  std::vector<double> ref_uar;
  for (const auto& p : ref) ref_uar.push_back(Uar(p));
  EXPECT_NEAR(c.runs[0].metrics[1].mean_std.mean, ComputeMeanStd(ref_uar).mean, 1e-12);
  EXPECT_NEAR(c.runs[0].metrics[1].mean_std.std, ComputeMeanStd(ref_uar).std, 1e-12);

  // Same seed, same intervals.
  const RunComparison again = CompareRuns({tmp.File("ref"), tmp.File("better"), tmp.File("same")}, options);
  EXPECT_EQ(again.runs[1].paired_metrics[1].interval.low, uar.interval.low);
}

TEST(RunComparison, ReferenceOptionAndOutputs) {
  TempDir tmp;
  WriteFakeRun(tmp.File("a"), "a", kClasses, Parts(0.6, 1));
  WriteFakeRun(tmp.File("b"), "b", kClasses, Parts(0.7, 2));
  CompareOptions options;
  options.replicates = 100;
  options.reference = tmp.File("b");
  const RunComparison c = CompareRuns({tmp.File("a"), tmp.File("b")}, options);
  EXPECT_EQ(c.reference, 1u);
  EXPECT_TRUE(c.runs[1].is_reference);
  EXPECT_FALSE(c.runs[0].is_reference);
  EXPECT_LT(c.runs[0].paired_metrics[0].mean_difference, 0);
  c.Write(tmp.File("out"));
  for (const char* f : {"compare.json", "compare.md", "compare.csv", "compare.html"}) {
    EXPECT_TRUE(fs::exists(tmp.File("out") + "/" + f)) << f;
  }
  const auto json = ParseJson(ReadFileToString(tmp.File("out/compare.json")), "compare.json");
  EXPECT_EQ(json["runs"].size(), 2u);
  EXPECT_TRUE(json["runs"][0]["difference"]["uar"]["wilcoxon"].contains("pvalue"));
  const std::string md = ReadFileToString(tmp.File("out/compare.md"));
  EXPECT_NE(md.find("| a | UAR | 6 |"), std::string::npos) << md;
  const std::string html = ReadFileToString(tmp.File("out/compare.html"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(std::count(html.begin(), html.end(), '\n') > 10, true);
  const std::string csv = ReadFileToString(tmp.File("out/compare.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 3);  // header + (run, metric) rows
}

TEST(RunComparison, RefusesIncomparableRuns) {
  TempDir tmp;
  WriteFakeRun(tmp.File("ref"), "ref", kClasses, Parts(0.6, 1));
  CompareOptions options;
  options.replicates = 50;
  auto expect_usage = [&](const std::string& other, const std::string& fragment) {
    try {
      CompareRuns({tmp.File("ref"), other}, options);
      ADD_FAILURE() << "no error for " << other;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  WriteFakeRun(tmp.File("classes"), "x", {"neu", "hap", "ang", "fru"}, Parts(0.6, 2));
  expect_usage(tmp.File("classes"), "different classes");
  auto fewer = Parts(0.6, 3);
  fewer.resize(4);  // folds 0 and 1 only
  WriteFakeRun(tmp.File("folds"), "x", kClasses, fewer);
  expect_usage(tmp.File("folds"), "tested folds {0,1}");
  WriteFakeRun(tmp.File("protocol"), "x", kClasses, Parts(0.6, 4), "loso-speaker");
  expect_usage(tmp.File("protocol"), "protocol");
  auto other_ids = Parts(0.6, 5);
  other_ids[2].ids[7] = "somewhere_else";
  WriteFakeRun(tmp.File("corpus"), "x", kClasses, other_ids);
  expect_usage(tmp.File("corpus"), "did not test the same utterances");
  auto other_seeds = Parts(0.6, 6);
  for (auto& p : other_seeds) p.seed += 10;
  WriteFakeRun(tmp.File("seeds"), "x", kClasses, other_seeds);
  expect_usage(tmp.File("seeds"), "shares no (fold, seed) pair");
  EXPECT_THROW(CompareRuns({tmp.File("ref")}, options), UsageError);
  EXPECT_THROW(CompareRuns({tmp.File("ref"), tmp.File("ref")}, options), UsageError);
  options.reference = tmp.File("nowhere");
  EXPECT_THROW(CompareRuns({tmp.File("ref"), tmp.File("classes")}, options), UsageError);
}

TEST(RunComparison, MissingOrMalformedFilesAreDataErrors) {
  TempDir tmp;
  WriteFakeRun(tmp.File("ref"), "ref", kClasses, Parts(0.6, 1));
  WriteFakeRun(tmp.File("b"), "b", kClasses, Parts(0.6, 2));
  CompareOptions options;
  options.replicates = 50;
  EXPECT_THROW(CompareRuns({tmp.File("ref"), tmp.File("nowhere")}, options), DataError);
  fs::remove(tmp.File("b/fold-1/seed-2/predictions.csv"));
  try {
    CompareRuns({tmp.File("ref"), tmp.File("b")}, options);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("fold-1/seed-2/predictions.csv"), std::string::npos) << e.what();
  }
  WriteStringAtomically(tmp.File("b/fold-1/seed-2/predictions.csv"),
                        "id,true,pred,p_neu,p_hap,p_ang,p_sad\nf1_u0,neu,joy,1,0,0,0\n");
  try {
    CompareRuns({tmp.File("ref"), tmp.File("b")}, options);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("predictions.csv:2: unknown class 'joy'"), std::string::npos) << e.what();
  }
}

TEST(RunPredictions, ReadsQuotedIdsAndRejectsBadRows) {
  TempDir tmp;
  const std::string path = tmp.File("p.csv");
  WriteStringAtomically(path, "id,true,pred,p_neu,p_hap\n\"a,\"\"b\"\"\",neu,hap,0.25,0.75\nplain,hap,hap,0.1,0.9\n");
  const auto p = ReadPredictionsCsv(path, {"neu", "hap"});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.ids[0], "a,\"b\"");
  EXPECT_EQ(p.truth[0], 0);
  EXPECT_EQ(p.predicted[0], 1);
  EXPECT_DOUBLE_EQ(p.probabilities[1], 0.75);
  WriteStringAtomically(path, "id,true,pred,p_neu,p_hap\nx,neu,neu,0.5\n");
  EXPECT_THROW(ReadPredictionsCsv(path, {"neu", "hap"}), DataError);
  WriteStringAtomically(path, "id,true,pred,p_neu,p_hap\nx,,neu,0.5,0.5\n");
  EXPECT_THROW(ReadPredictionsCsv(path, {"neu", "hap"}), DataError);
  WriteStringAtomically(path, "id,true,pred,p_neu,p_hap\nx,neu,neu,0.5,half\n");
  EXPECT_THROW(ReadPredictionsCsv(path, {"neu", "hap"}), DataError);
  EXPECT_THROW(ReadPredictionsCsv(path, {"neu", "sad"}), DataError);  // header names other classes
}

TEST(RunSummaryIntervals, BootstrapTheMeanOverFoldsAndSeeds) {
  TempDir tmp;
  const auto parts = Parts(0.65, 9);
  WriteFakeRun(tmp.File("run"), "run", kClasses, parts);
  std::vector<FoldOutcome> outcomes;
  for (const auto& p : parts) {
    FoldOutcome o;
    o.fold = p.fold;
    o.seed = p.seed;
    o.test = ComputeClassificationReport(p.truth, p.predicted, 4);
    outcomes.push_back(o);
  }
  RunSummary s = RunSummary::From(outcomes, kClasses);
  AnalysisOptions options;
  options.bootstrap_replicates = 300;
  s.AttachIntervals(tmp.File("run"), options);
  ASSERT_EQ(s.intervals.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(s.intervals[k].estimate, s.metrics[k].mean, 1e-12) << k;  // war, uar, macro_f1 come first
    EXPECT_LT(s.intervals[k].low, s.intervals[k].estimate);
    EXPECT_GT(s.intervals[k].high, s.intervals[k].estimate);
  }
  const auto json = s.ToJson();
  EXPECT_EQ(json["intervals"]["replicates"].get<int>(), 300);
  EXPECT_DOUBLE_EQ(json["intervals"]["uar"]["low"].get<double>(), s.intervals[1].low);
  EXPECT_NE(s.ToMarkdown().find("95 % CI"), std::string::npos);
  EXPECT_NE(s.ToCsv().find("ci_low"), std::string::npos);
  options.bootstrap_replicates = 0;
  s.AttachIntervals(tmp.File("run"), options);
  EXPECT_TRUE(s.intervals.empty());
  EXPECT_EQ(s.ToMarkdown().find("CI"), std::string::npos);
}

}  // namespace
}  // namespace merhan
