// Classification metrics in the shape the trainer, the driver and the reports
// consume, with their JSON form. Plain C++: the results layer reads them without
// LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

// The metrics the trainer, the driver and the reports consume. WAR = accuracy
// (recall weighted by class support), UAR = macro-averaged recall.
struct ClassificationReport {
  int64_t count = 0;
  double war = 0, uar = 0, macro_f1 = 0, weighted_f1 = 0;
  std::vector<double> precision, recall, f1;    // per class
  std::vector<int64_t> support;                 // true utterances per class
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]

  nlohmann::json ToJson(const std::vector<std::string>& classes) const;
  // Inverse of ToJson; DataError naming `origin` when a field is missing.
  static ClassificationReport FromJson(const nlohmann::json& j, const std::string& origin);
};

// The metrics of runtime/metrics.h (scikit-learn's definitions) in the shape the
// trainer and reports use.
ClassificationReport ComputeClassificationReport(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                                 int num_classes);

}  // namespace merhan
