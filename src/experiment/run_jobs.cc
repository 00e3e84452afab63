#include "merhan/experiment/run_jobs.h"

#include <algorithm>
#include <filesystem>

#include "merhan/experiment/cross_validation.h"
#include "merhan/experiment/fold_plan.h"
#include "merhan/experiment/run_directory.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

std::string List(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

bool Contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

ExperimentConfig SelectJobs(const ExperimentConfig& config, int num_folds, const JobSelection& selection) {
  std::vector<int> planned = config.run.folds;
  if (planned.empty()) {
    for (int k = 0; k < num_folds; ++k) planned.push_back(k);
  }
  ExperimentConfig job = config;
  for (int k : selection.folds) {
    if (!Contains(planned, k)) {
      throw UsageError(Cat("--fold ", k, ": not a fold of this run; it plans folds ", List(planned), " (protocol ",
                           config.data.EffectiveProtocol(), ", run.folds)"));
    }
  }
  for (int s : selection.seeds) {
    if (!Contains(config.run.seeds, s)) {
      throw UsageError(Cat("--seed ", s, ": not a seed of this run; run.seeds is [", List(config.run.seeds),
                           "] (every job of a run directory must plan the same seeds: set run.seeds to all of them)"));
    }
  }
  if (!selection.folds.empty()) job.run.folds = selection.folds;
  if (!selection.seeds.empty()) job.run.seeds = selection.seeds;
  return job;
}

CrossValidationRun RunCrossValidationJobs(const ExperimentConfig& config, const JobSelection& selection,
                                          const std::vector<std::string>& argv, const std::string& run_dir) {
  // Refuse a mismatched run directory before the corpus is read and featurised.
  if (std::filesystem::exists(run_dir + "/config.json")) RunDirectory::CheckShared(config, run_dir);
  const CrossValidationPlan plan = MakeCrossValidationPlan(config);
  const ExperimentConfig job = SelectJobs(config, plan.num_folds, selection);
  RunDirectory::OpenShared(config, argv, run_dir, plan.describe_run);
  log::Info(Cat("job: folds [", List(job.run.folds), "] seeds [", List(job.run.seeds), "] into ", run_dir));
  CrossValidationRun run;
  run.run_dir = run_dir;
  run.summary = RunCrossValidation(job, plan, argv, run_dir);
  run.merged = true;
  return run;
}

}  // namespace merhan
