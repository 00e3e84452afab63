// The resolved config a run directory stores (config.json): what resume, jobs
// and `merhan report` read back.
#pragma once

#include <string>

#include "merhan/runtime/experiment_config.h"

namespace merhan {

// DataError when `run_dir` is not a directory; UsageError/DataError naming
// config.json when it is missing or not a config this merhan reads.
ExperimentConfig LoadRunConfig(const std::string& run_dir);

}  // namespace merhan
