#include "merhan/experiment/run_config.h"

#include <filesystem>

#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"

namespace merhan {

ExperimentConfig LoadRunConfig(const std::string& run_dir) {
  const std::string path = run_dir + "/config.json";
  if (!std::filesystem::is_directory(run_dir)) throw DataError("run directory " + run_dir + " does not exist");
  return ExperimentConfig::FromJson(ParseJson(ReadFileToString(path), path), path);
}

}  // namespace merhan
