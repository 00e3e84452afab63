// Bootstrap intervals for cross-validated classification metrics.
//
// A run's headline figure is the mean over its (fold, seed) test results of
// WAR, UAR or macro-F1. Its interval resamples test utterances with
// replacement within each fold (stratified by fold: every replicate keeps each
// fold's size), applies the same resample to every seed of that fold (seeds
// test the same utterances) and to every run being compared (so differences
// are paired by utterance), recomputes each (fold, seed) metric and averages
// as the point estimate does. Percentile intervals (stats/bootstrap.h).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "merhan/results/run_predictions.h"
#include "merhan/stats/bootstrap.h"

namespace merhan {

// The metrics bootstrapped, in this order.
inline const std::array<const char*, 3> kBootstrapMetrics = {"war", "uar", "macro_f1"};
using MetricTriple = std::array<double, 3>;

// Test utterances of every run aligned on one order per fold.
class AlignedRuns {
 public:
  struct Part {
    int fold = 0, seed = 0;
    size_t stratum = 0;            // index into folds()
    std::vector<uint32_t> row_of;  // canonical utterance -> row in `data`
    const FoldSeedPredictions* data = nullptr;
  };

  // Every run's (fold, seed) predictions. The first occurrence of a fold fixes
  // its utterance order; every other (run, seed) of that fold must have tested
  // exactly the same utterance ids, otherwise `error` says which and the
  // result is empty. `runs` must outlive the object.
  static AlignedRuns Align(const std::vector<std::vector<FoldSeedPredictions>>& runs,
                           const std::vector<std::string>& names, std::string* error);

  const std::vector<int>& folds() const { return folds_; }
  const std::vector<uint32_t>& fold_sizes() const { return fold_sizes_; }
  const std::vector<std::vector<Part>>& runs() const { return runs_; }

  // WAR, UAR, macro-F1 of one part on the resampled utterances (all of them,
  // in order, with `sample` null).
  MetricTriple PartMetrics(const Part& part, const stats::StratifiedSample* sample) const;

 private:
  int num_classes_ = 0;
  std::vector<int> folds_;
  std::vector<uint32_t> fold_sizes_;
  std::vector<std::vector<Part>> runs_;
};

// Intervals of one run's mean-over-(fold, seed) WAR, UAR and macro-F1.
std::array<stats::Interval, 3> BootstrapRunMetrics(const std::vector<FoldSeedPredictions>& predictions,
                                                   const stats::BootstrapOptions& options);

}  // namespace merhan
