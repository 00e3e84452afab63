// `merhan train`: cross-validate the configured model over the protocol's folds.
#include <CLI/CLI.hpp>

#include "merhan/cli/cli.h"
#include "merhan/train/cross_validation.h"
#include "merhan/train/experiment_config.h"
#include "merhan/util/error.h"

namespace merhan::cli {

void AddTrainCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train and test over every fold of the protocol, for each seed");
  struct Args {
    std::string config;
    std::vector<std::string> sets;
    int fold = -1;
    std::string resume;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--config,-c", args->config, "JSON config file (not needed with --resume)");
  cmd->add_option("--set", args->sets, "override, e.g. --set train.lr=1e-4 (repeatable)");
  cmd->add_option("--fold", args->fold, "run only this fold (0-based)");
  cmd->add_option("--resume", args->resume,
                  "continue the run in this run directory: finished folds are skipped, the others continue "
                  "from their last.ckpt (with its own config.json)");
  cmd->callback([args] {
    if (args->config.empty() && args->resume.empty()) throw UsageError("train: give --config FILE (or --resume RUN_DIR)");
    ExperimentConfig config = args->config.empty() ? LoadRunConfig(args->resume)
                                                   : ExperimentConfig::Load(args->config, args->sets);
    if (args->fold >= 0) config.run.folds = {args->fold};
    RunCrossValidation(config, CommandLine(), args->resume);
  });
}

}  // namespace merhan::cli
