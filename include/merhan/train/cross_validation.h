// The cross-validation driver: every fold of the protocol for every seed.
#pragma once

#include <string>
#include <vector>

#include "merhan/train/batch_source.h"
#include "merhan/train/experiment_config.h"
#include "merhan/train/run_directory.h"  // FoldSeedDir
#include "merhan/train/process_group.h"
#include "merhan/train/summary.h"

namespace merhan {

// What `merhan train` calls: the plan comes from the data layer
// (MakeCrossValidationPlan). With `resume_dir`, the run directory's own
// config.json is used (a different `config` only draws a warning). Returns
// the run directory.
std::string RunCrossValidation(const ExperimentConfig& config, const std::vector<std::string>& argv,
                               const std::string& resume_dir);

// The driver itself. For each seed in config.run.seeds and each fold in
// config.run.folds (all when empty), in <run>/fold-K/seed-S/: trains
// (metrics.jsonl, best.ckpt, last.ckpt), reloads the best weights, tests once
// (test_metrics.json, predictions.csv) and marks the pair done (done.json).
// Then writes summary.json/.csv/.md and report.html over every finished pair
// of the run directory (train/run_merge.h) and logs the Markdown table. With
// `resume_dir` (a run directory) finished pairs are skipped and unfinished ones
// continue from their last.ckpt. Each pair is trained under its lock
// (LockFoldSeed): a pair another process is training is a UsageError. With a
// `distributed` group every rank calls this; rank 0 alone locks, writes and
// merges, and the other ranks return an empty summary.
RunSummary RunCrossValidation(const ExperimentConfig& config, const CrossValidationPlan& plan,
                              const std::vector<std::string>& argv, const std::string& resume_dir,
                              std::string* run_dir = nullptr, const DistributedContext& distributed = {});

// The resolved config stored in a run directory (config.json).
ExperimentConfig LoadRunConfig(const std::string& run_dir);

}  // namespace merhan
