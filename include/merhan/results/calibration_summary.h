// Test-split calibration of a run: each (fold, seed)'s temperature (fitted on its
// validation split by train/fold_calibration.h) applied to its test predictions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

// Test-split calibration of a run: for every (fold, seed) with a
// calibration.json, ECE, NLL and Brier of its predictions.csv before and after
// its temperature; their means; and the same over all test predictions pooled,
// with the pooled 15-bin reliability table before and after (for the diagram).
// Null when no (fold, seed) was calibrated. DataError for unreadable files.
nlohmann::json SummariseRunCalibration(const std::string& run_dir, const std::vector<std::pair<int, int>>& fold_seeds,
                                       const std::vector<std::string>& classes);
// That summary as Markdown (a short table).
std::string CalibrationMarkdown(const nlohmann::json& summary);

}  // namespace merhan
