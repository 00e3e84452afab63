// Options of the statistics added to every run's summary and report: the
// bootstrap behind the confidence intervals and temperature-scaling calibration.
#pragma once

#include <cstdint>
#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct AnalysisOptions {
  int bootstrap_replicates = 1000;  // B; 0 turns the intervals off
  int bootstrap_seed = 0;
  double confidence = 0.95;  // of every interval
  bool calibration = true;   // fit a temperature on each fold's validation split

  void Register(ConfigRegistry* r, const std::string& prefix = "analysis");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
