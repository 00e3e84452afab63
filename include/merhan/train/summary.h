// Per-fold results and their mean ± std over folds and seeds, as JSON, CSV and a
// Markdown table.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/train/evaluation.h"

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
  std::vector<FoldOutcome> outcomes;           // fold-major order as run
  std::vector<MeanStd> metrics;                // per SummaryMetricNames()
  std::vector<std::vector<int64_t>> confusion; // summed over folds and seeds

  static RunSummary From(const std::vector<FoldOutcome>& outcomes, const std::vector<std::string>& classes);
  nlohmann::json ToJson() const;
  std::string ToCsv() const;       // one row per (fold, seed), then mean and std rows
  std::string ToMarkdown() const;  // the same as a table, metrics in %
  // summary.json, summary.csv, summary.md in `dir`, atomically.
  void Write(const std::string& dir) const;
};

}  // namespace merhan
