// A run directory: runs/<name>/<timestamp>/ holding the resolved config, the git
// revision and the library versions, so that every result can be traced back.
#pragma once

#include <string>
#include <vector>

#include "merhan/train/experiment_config.h"

namespace merhan {

struct RunDirectory {
  std::string path;

  // Creates <run.out_dir>/<run.name>/<UTC timestamp>[-N]/ and writes
  // config.json (resolved), environment.json (git revision, library versions,
  // devices) and command.txt (the command line).
  static RunDirectory Create(const ExperimentConfig& config, const std::vector<std::string>& argv);

  std::string File(const std::string& name) const { return path + "/" + name; }
};

}  // namespace merhan
