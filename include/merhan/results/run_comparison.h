// `merhan compare`: are the differences between trained runs real?
//
// Each run directory holds per-(fold, seed) test results. For every run the
// comparison gives WAR, UAR and macro-F1 as mean ± std over its (fold, seed)
// results with a bootstrap interval of the mean; for every run but the
// reference, paired against the reference on the (fold, seed) pairs both have:
//   * the mean difference of each metric and its bootstrap interval (test
//     utterances resampled within each fold, the same resample for both runs
//     and every seed: results/metric_bootstrap.h);
//   * runs won: (fold, seed) pairs where the run beats the reference (ties apart);
//   * the Wilcoxon signed-rank test over the per-(fold, seed) differences
//     (stats/wilcoxon.h), Holm-corrected across the compared runs, per metric;
//   * McNemar's test on the pooled per-utterance correctness of every common
//     (fold, seed) (stats/mcnemar.h, exact binomial form; the chi-square form with
//     continuity correction is in the JSON), Holm-corrected across runs.
// Runs must have the same classes, protocol and folds, and have tested the same
// utterances in each fold; otherwise a UsageError says why. A missing or
// malformed file is a DataError.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/results/summary.h"
#include "merhan/stats/bootstrap.h"
#include "merhan/stats/mcnemar.h"
#include "merhan/stats/wilcoxon.h"

namespace merhan {

struct CompareOptions {
  std::string reference;     // a run directory among those given; "" = the first
  int replicates = 1000;     // bootstrap replicates
  uint64_t seed = 0;         // bootstrap seed
  double confidence = 0.95;  // of every interval
  double alpha = 0.05;       // family-wise level of the Holm corrections
};

struct ComparedMetric {
  MeanStd mean_std;          // over the run's (fold, seed) results
  stats::Interval interval;  // bootstrap interval of the mean
};

struct PairedMetric {
  double mean_difference = 0;  // run minus reference, mean over common (fold, seed)
  stats::Interval interval;    // bootstrap interval of that mean difference
  int wins = 0, ties = 0, losses = 0;
  stats::WilcoxonResult wilcoxon;
  double wilcoxon_holm = 0;  // Holm-adjusted p across the compared runs
  bool significant = false;  // Holm-rejected at alpha
};

struct ComparedRun {
  std::string dir;
  std::string name;  // run.name, made unique with the directory name
  std::vector<std::pair<int, int>> fold_seeds;
  std::array<ComparedMetric, 3> metrics;  // war, uar, macro_f1
  bool is_reference = false;
  // Against the reference (absent for the reference itself):
  int paired = 0;  // common (fold, seed) pairs
  std::array<PairedMetric, 3> paired_metrics;
  stats::McNemarResult mcnemar;       // exact; b = only the reference right
  stats::McNemarResult mcnemar_chi2;  // chi-square with continuity correction
  double mcnemar_holm = 0;
  bool mcnemar_significant = false;
  int64_t pooled_utterances = 0;  // per-utterance pairs in McNemar's table
};

struct RunComparison {
  std::vector<std::string> classes;
  std::string protocol;
  std::vector<int> folds;
  CompareOptions options;
  size_t reference = 0;
  std::vector<ComparedRun> runs;

  nlohmann::json ToJson() const;
  std::string ToMarkdown() const;
  std::string ToCsv() const;   // one row per (run, metric)
  std::string ToHtml() const;  // tables and bars with interval whiskers, inline SVG
  // compare.json, compare.md, compare.csv, compare.html in `dir`, atomically.
  void Write(const std::string& dir) const;
};

// Throws UsageError (fewer than two runs, incomparable runs, unknown reference,
// bad options) or DataError (unreadable run directory or files).
RunComparison CompareRuns(const std::vector<std::string>& run_dirs, const CompareOptions& options);

}  // namespace merhan
