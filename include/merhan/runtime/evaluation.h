// What an evaluation produces: per-utterance predictions and the classification
// metrics computed from them.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/runtime/classification_report.h"

namespace merhan {

// Predictions of a model over a whole source, in source order.
struct EvaluationResult {
  std::vector<std::string> ids;
  std::vector<int64_t> labels;       // -1 where unknown
  std::vector<int64_t> predictions;  // argmax of probabilities
  torch::Tensor probabilities;       // (N, C) float32 on the CPU
  // Mean cross-entropy of the predicted probabilities, -log p[label], over
  // labelled utterances (NaN when none is labelled).
  double loss = 0;

  // Metrics over the labelled utterances.
  ClassificationReport Metrics(int num_classes) const;
  // Puts the rows in the order of `ids_in_order` (ids missing from it go last, in
  // their current order).
  void Reorder(const std::vector<std::string>& ids_in_order);
  // CSV: id,true,pred,p_<class>...; labels written as class names ("" unknown).
  std::string PredictionsCsv(const std::vector<std::string>& classes) const;
};

}  // namespace merhan
