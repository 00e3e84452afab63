// The cross-validation driver: every fold of the protocol for every seed.
#pragma once

#include <string>
#include <vector>

#include "merhan/dist/process_group.h"
#include "merhan/experiment/fold_plan.h"
#include "merhan/results/summary.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

// What one process's run ended with.
struct CrossValidationRun {
  std::string run_dir;
  RunSummary summary;   // over every finished pair of the run directory
  bool merged = false;  // this process merged and wrote the summary (data-parallel: rank 0 only)
};

// What `merhan train` calls: the plan comes from MakeCrossValidationPlan. With
// `resume_dir`, the run directory's own config.json is used (a different
// `config` only draws a warning).
CrossValidationRun RunCrossValidation(const ExperimentConfig& config, const std::vector<std::string>& argv,
                                      const std::string& resume_dir);

// The driver itself. For each seed in config.run.seeds and each fold in
// config.run.folds (all when empty), in <run>/fold-K/seed-S/: trains
// (metrics.jsonl, best.ckpt, last.ckpt), reloads the best weights, tests once
// (test_metrics.json, predictions.csv) and marks the pair done (done.json).
// Then writes summary.json/.csv/.md and report.html over every finished pair
// of the run directory (experiment/run_merge.h). With
// `resume_dir` (a run directory) finished pairs are skipped and unfinished ones
// continue from their last.ckpt. Each pair is trained under its lock
// (LockFoldSeed): a pair another process is training is a UsageError. With a
// `distributed` group every rank calls this; rank 0 alone locks, writes and
// merges, and the other ranks return an empty summary.
RunSummary RunCrossValidation(const ExperimentConfig& config, const CrossValidationPlan& plan,
                              const std::vector<std::string>& argv, const std::string& resume_dir,
                              std::string* run_dir = nullptr, const DistributedContext& distributed = {});

}  // namespace merhan
