// Folds and seeds as independent jobs: `merhan train --run-dir D --fold K --seed S`
// trains just those (fold, seed) pairs into the run directory D, which other jobs
// (a Slurm array, any scheduler) share, at the same time or later. Each job ends
// by merging whatever has finished in D into its summary and report
// (experiment/run_merge.h); `merhan report D` does the same at any time.
#pragma once

#include <string>
#include <vector>

#include "merhan/experiment/cross_validation.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

// Which of the run's planned pairs one job trains; empty = all planned.
struct JobSelection {
  std::vector<int> folds;  // 0-based; within config.run.folds when that lists folds
  std::vector<int> seeds;  // within config.run.seeds
};

// `config` is the whole run's (its run.folds and run.seeds are the plan that
// `merhan report` checks for completeness); `selection` picks this job's pairs.
// Throws UsageError for a selection outside the plan or a run directory holding
// another config or build (RunDirectory::OpenShared).
CrossValidationRun RunCrossValidationJobs(const ExperimentConfig& config, const JobSelection& selection,
                                          const std::vector<std::string>& argv, const std::string& run_dir);

// The config one job trains with: config.run.folds and run.seeds narrowed to the
// selection (checked against the plan of `num_folds` folds).
ExperimentConfig SelectJobs(const ExperimentConfig& config, int num_folds, const JobSelection& selection);

}  // namespace merhan
