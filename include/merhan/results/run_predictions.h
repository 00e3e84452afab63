// The per-utterance test predictions a run directory keeps
// (fold-K/seed-S/predictions.csv, written by EvaluationResult::PredictionsCsv),
// read back for the statistics of summaries, reports and `merhan compare`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merhan {

struct FoldSeedPredictions {
  int fold = 0;
  int seed = 0;
  std::string path;  // the CSV it came from
  std::vector<std::string> ids;
  std::vector<int64_t> truth;  // class index; every row is labelled
  std::vector<int64_t> predicted;
  std::vector<double> probabilities;  // (N, C) row-major
  int num_classes = 0;

  size_t size() const { return ids.size(); }
};

// Parses `path` against `classes` (the header must be id,true,pred,p_<class>...
// in that order). Rows without a true label are an error here: test splits are
// labelled. DataError naming the file and line for anything malformed.
FoldSeedPredictions ReadPredictionsCsv(const std::string& path, const std::vector<std::string>& classes);

// For every tested (fold, seed) of `run_dir` (those with test_metrics.json), in
// the given order of (fold, seed) pairs: <run_dir>/fold-K/seed-S/predictions.csv.
std::vector<FoldSeedPredictions> ReadRunPredictions(const std::string& run_dir,
                                                    const std::vector<std::pair<int, int>>& fold_seeds,
                                                    const std::vector<std::string>& classes);

}  // namespace merhan
