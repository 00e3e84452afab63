// A self-contained HTML report of a run directory: learning curves, per-fold
// table, confusion-matrix heatmap and per-class recall, drawn as inline SVG
// (no scripts, fonts or images from anywhere, so it opens offline).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/results/summary.h"
#include "merhan/train/epoch_record.h"

namespace merhan {

struct ReportRun {
  int fold = 0;
  std::string fold_name;
  int seed = 0;
  std::vector<EpochRecord> history;  // metrics.jsonl
  bool tested = false;               // test_metrics.json present
  FoldOutcome outcome;
};

struct ReportData {
  std::string title;
  std::string run_dir;
  std::vector<std::string> classes;
  std::string monitor;
  nlohmann::json config;
  std::vector<ReportRun> runs;       // ordered by seed, then fold
  nlohmann::json intervals;          // summary.json's "intervals", when written
  nlohmann::json test_corpora;       // summary.json "test_corpora" (multi-corpus runs), or null
  nlohmann::json per_speaker;        // summary.json's "per_speaker", when written
  nlohmann::json calibration;        // summary.json's "calibration", when written
  std::vector<std::string> pending;  // summary.json's "pending": planned runs not finished
};

// Reads config.json, summary.json (if present), fold-*/seed-*/metrics.jsonl and
// test_metrics.json.
ReportData CollectReportData(const std::string& run_dir);
std::string RenderReportHtml(const ReportData& data);

// Writes <run_dir>/report.html atomically and returns its path.
std::string WriteRunReport(const std::string& run_dir);

}  // namespace merhan
