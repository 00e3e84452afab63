// The summary of a run directory from whatever (fold, seed) pairs have finished
// there, so that jobs training into one directory (`merhan train --run-dir`, a
// Slurm array) end with the summary one sequential `merhan train` writes:
// `merhan report` and every job's last step.
#pragma once

#include <string>
#include <vector>

#include "merhan/results/summary.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

enum class FoldSeedState {
  kFinished,    // test_metrics.json is there
  kRunning,     // another process holds the pair's lock
  kUnfinished,  // started, not finished, nobody training it (stopped or crashed)
  kMissing,     // planned (config.json) but never started
};
const char* FoldSeedStateName(FoldSeedState state);

struct FoldSeedStatus {
  int fold = 0;
  int seed = 0;
  FoldSeedState state = FoldSeedState::kMissing;
  int epochs_done = 0;  // lines of metrics.jsonl

  std::string ToString() const;  // "fold 1 seed 2: running, 3 epochs done"
};

// Every planned (fold, seed) and every one found, in the order a sequential run
// trains them: seeds as config.json lists them, then folds (config.json's
// run.folds, else every fold of data.json, else those found).
std::vector<FoldSeedStatus> InspectRun(const std::string& run_dir);

struct MergedRun {
  RunSummary summary;                   // over the finished pairs, in InspectRun's order
  std::vector<FoldSeedStatus> pending;  // the planned pairs that have not finished
};

// Under the run directory's lock: summarises the finished pairs (with the
// analyses config.json asks for), writes summary.{json,csv,md} and report.html,
// and returns it with the pairs still pending. DataError when nothing finished.
MergedRun MergeRun(const std::string& run_dir);
// The same with the analyses and data options of `config` (the config of the
// run that just trained, e.g. a job's) instead of those of config.json.
MergedRun MergeRun(const std::string& run_dir, const ExperimentConfig& config);

// "fold 1 seed 2: missing\n..." for the log and `merhan report`.
std::string PendingText(const std::vector<FoldSeedStatus>& pending);

}  // namespace merhan
