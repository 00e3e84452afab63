// `merhan train`: cross-validate the configured model over the protocol's folds.
#include <CLI/CLI.hpp>

#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/experiment/cross_validation.h"
#include "merhan/experiment/run_config.h"
#include "merhan/experiment/run_jobs.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"

namespace merhan::cli {
namespace {

// The summary table on stdout, from the process that merged it.
void PrintSummary(const CrossValidationRun& run) {
  if (run.merged) std::cout << run.summary.ToMarkdown() << std::flush;
}

}  // namespace

void AddTrainCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train and test over every fold of the protocol, for each seed");
  struct Args {
    std::string config;
    std::vector<std::string> sets;
    std::vector<int> folds;
    std::vector<int> seeds;
    std::string resume;
    std::string run_dir;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--config,-c", args->config, "JSON config file (not needed with --resume)");
  cmd->add_option("--set", args->sets, "override, e.g. --set train.lr=1e-4 (repeatable)");
  cmd->add_option("--fold", args->folds, "run only these folds (0-based; repeatable or a list: --fold 1,3)")
      ->delimiter(',');
  cmd->add_option("--seed", args->seeds, "run only these seeds (repeatable or a list: --seed 1,2)")->delimiter(',');
  cmd->add_option("--resume", args->resume,
                  "continue the run in this run directory: finished folds are skipped, the others continue "
                  "from their last.ckpt (with its own config.json)");
  cmd->add_option("--run-dir", args->run_dir,
                  "train into this run directory, which other jobs with the same config may share at the same "
                  "time (one job per --fold/--seed, e.g. a Slurm array); finished pairs are skipped, unfinished "
                  "ones continue; see `merhan report`")
      ->excludes("--resume");
  cmd->callback([args] {
    if (args->config.empty() && args->resume.empty())
      throw UsageError("train: give --config FILE (or --resume RUN_DIR)");
    if (!args->run_dir.empty()) {
      if (args->config.empty()) throw UsageError("train --run-dir: give --config FILE as well");
      const ExperimentConfig config = ExperimentConfig::Load(args->config, args->sets);
      PrintSummary(RunCrossValidationJobs(config, {args->folds, args->seeds}, CommandLine(), args->run_dir));
      return;
    }
    if (!args->resume.empty() && !args->seeds.empty()) {
      throw UsageError("train --resume: --seed is not supported; resume the whole run, or use --run-dir");
    }
    ExperimentConfig config =
        args->config.empty() ? LoadRunConfig(args->resume) : ExperimentConfig::Load(args->config, args->sets);
    if (!args->folds.empty()) config.run.folds = args->folds;
    if (!args->seeds.empty()) config.run.seeds = args->seeds;
    PrintSummary(RunCrossValidation(config, CommandLine(), args->resume));
  });
}

}  // namespace merhan::cli
