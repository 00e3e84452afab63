// The cross-validation driver: every fold of the protocol for every seed.
#pragma once

#include <string>
#include <vector>

#include "merhan/train/experiment_config.h"

namespace merhan {

// Creates the run directory, then trains and tests each selected fold for each
// seed, writing per-fold metrics and the summary. `resume_dir` continues an
// interrupted run. Returns the run directory.
std::string RunCrossValidation(const ExperimentConfig& config, const std::vector<std::string>& argv,
                               const std::string& resume_dir);

}  // namespace merhan
