// Where a run directory keeps each (fold, seed): the layout every reader of
// results (summaries, reports, comparisons) and every writer (the driver,
// jobs) agrees on.
#pragma once

#include <string>
#include <vector>

namespace merhan {

// "fold-K/seed-S" under `run_dir`.
std::string FoldSeedDir(const std::string& run_dir, int fold, int seed);

// One fold-K/seed-S folder of a run directory.
struct FoldSeedEntry {
  int fold = 0;
  int seed = 0;
  std::string dir;
  bool finished = false;  // its final test metrics (test_metrics.json) are there
};

// Every fold-K/seed-S folder under `run_dir`, ordered by fold, then seed.
// DataError when `run_dir` is not a directory.
std::vector<FoldSeedEntry> ListFoldSeeds(const std::string& run_dir);

}  // namespace merhan
