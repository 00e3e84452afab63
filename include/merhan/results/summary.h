// Per-fold results and their mean ± std over folds and seeds, as JSON, CSV and a
// Markdown table.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/data_options.h"
#include "merhan/results/corpus_analysis.h"
#include "merhan/results/test_corpora.h"
#include "merhan/runtime/classification_report.h"
#include "merhan/stats/analysis_options.h"
#include "merhan/stats/bootstrap.h"

namespace merhan {

// The test result of one (fold, seed).
struct FoldOutcome {
  int fold = 0;
  std::string fold_name;
  int seed = 0;
  int best_epoch = -1;  // 0-based
  int epochs_run = 0;
  double test_loss = 0;
  ClassificationReport test;
  // Speech-encoder streams keeping several hidden states: the learned weight of each
  // (softmax, in the stream's layer order) of the tested model (nn/layer_mix.h).
  std::map<std::string, std::vector<double>> layer_weights;

  nlohmann::json ToJson(const std::vector<std::string>& classes) const;
  static FoldOutcome FromJson(const nlohmann::json& j, const std::string& origin);
};

struct MeanStd {
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); 0 when n == 1
  int n = 0;
};
MeanStd ComputeMeanStd(const std::vector<double>& values);

// The metrics summarised, in table order: war, uar, macro_f1, weighted_f1.
const std::vector<std::string>& SummaryMetricNames();

struct RunSummary {
  std::vector<std::string> classes;
  std::vector<FoldOutcome> outcomes;            // fold-major order as run
  std::vector<MeanStd> metrics;                 // per SummaryMetricNames()
  std::vector<std::vector<int64_t>> confusion;  // summed over folds and seeds
  // Bootstrap intervals of the mean WAR, UAR and macro-F1 (results/metric_bootstrap.h),
  // empty until AttachIntervals computed them.
  std::vector<stats::Interval> intervals;
  stats::BootstrapOptions interval_options;
  std::string intervals_note;  // why there are none, when there are none
  // Multi-corpus runs (data.corpora): one result per test corpus, empty otherwise.
  std::vector<TestCorpusResult> test_corpora;
  std::string test_corpora_note;  // why there are none for a multi-corpus run
  // Per-speaker/per-gender results and transcript overlap (results/corpus_analysis.h).
  bool has_corpus_analysis = false;
  CorpusAnalysis corpus_analysis;
  std::string corpus_analysis_note;  // why there is none
  // Test-split calibration before/after temperature scaling (SummariseRunCalibration), or null.
  nlohmann::json calibration;
  // Planned (fold, seed) pairs not finished when this summary was merged
  // (experiment/run_merge.h), e.g. "fold 1 seed 2: running, 3 epoch(s) done".
  std::vector<std::string> pending;
  // Streams declared with data.streams.<name>.normalize=speaker-transductive: their
  // held-out speakers were standardised with their own (unlabelled) features, so the
  // results are transductive (data/speaker_standardization.h).
  std::vector<std::string> transductive_streams;

  static RunSummary From(const std::vector<FoldOutcome>& outcomes, const std::vector<std::string>& classes);
  // Reads <run_dir>/fold-K/seed-S/predictions.csv of every outcome and
  // bootstraps the intervals (analysis.bootstrap_replicates of them; 0 = none).
  void AttachIntervals(const std::string& run_dir, const AnalysisOptions& options);
  // Re-reads the run's corpus (`data`, as configured) and its folds, then fills
  // corpus_analysis from the test predictions. Failure to read the corpus is not
  // fatal after training: it is logged and stated as corpus_analysis_note.
  void AttachCorpusAnalysis(const std::string& run_dir, const DataOptions& data);
  // data.corpora's test corpora: restricts each (fold, seed)'s predictions to each one
  // (results/test_corpora.h); nothing for a single-corpus run.
  void AttachTestCorpora(const std::string& run_dir, const AnalysisOptions& options, const DataOptions& data);
  // Reads each (fold, seed)'s calibration.json and predictions.csv (results/calibration_summary.h).
  void AttachCalibration(const std::string& run_dir);
  // All four, as `merhan train` does after the last fold.
  void Analyse(const std::string& run_dir, const AnalysisOptions& analysis, const DataOptions& data);
  nlohmann::json ToJson() const;
  std::string ToCsv() const;       // one row per (fold, seed), then mean and std rows
  std::string ToMarkdown() const;  // the same as a table, metrics in %
  // summary.json, summary.csv, summary.md in `dir`, atomically.
  void Write(const std::string& dir) const;
};

}  // namespace merhan
