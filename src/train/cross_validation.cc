#include "merhan/train/cross_validation.h"

#include "merhan/util/logging.h"

#include "merhan/train/run_directory.h"
#include "merhan/util/error.h"

namespace merhan {

std::string RunCrossValidation(const ExperimentConfig& config, const std::vector<std::string>& argv,
                               const std::string& resume_dir) {
  (void)resume_dir;
  RunDirectory run = RunDirectory::Create(config, argv);
  log::Info("run directory " + run.path);
  throw InternalError("training is not built yet: the run directory " + run.path +
                      " holds the resolved config and environment");
}

}  // namespace merhan
