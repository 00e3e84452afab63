#include "merhan/stats/analysis_options.h"

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

void AnalysisOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".bootstrap_replicates", &bootstrap_replicates,
              "bootstrap replicates behind the summary's confidence intervals; 0 = no intervals");
  r->Register(p + ".bootstrap_seed", &bootstrap_seed, "seed of the bootstrap resampling");
  r->Register(p + ".confidence", &confidence, "confidence level of every interval");
  r->Register(p + ".calibration", &calibration,
              "after training, fit a temperature on each fold's validation split and store it in best.ckpt");
}

void AnalysisOptions::Validate() const {
  if (bootstrap_replicates < 0) {
    throw UsageError(Cat("analysis.bootstrap_replicates: must be >= 0, got ", bootstrap_replicates));
  }
  if (bootstrap_seed < 0) throw UsageError(Cat("analysis.bootstrap_seed: must be >= 0, got ", bootstrap_seed));
  if (!(confidence > 0 && confidence < 1))
    throw UsageError(Cat("analysis.confidence: must be in (0, 1), got ", confidence));
}

}  // namespace merhan
