// What an evaluation produces: per-utterance predictions and the classification
// metrics computed from them.
#pragma once

#include <torch/torch.h>

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
  std::vector<double> precision, recall, f1;  // per class
  std::vector<int64_t> support;               // true utterances per class
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]

  nlohmann::json ToJson(const std::vector<std::string>& classes) const;
  // Inverse of ToJson; DataError naming `origin` when a field is missing.
  static ClassificationReport FromJson(const nlohmann::json& j, const std::string& origin);
};

// The metrics of train/metrics.h (scikit-learn's definitions) in the shape the
// trainer and reports use; defined in src/train/corpus_pipeline.cc.
ClassificationReport ComputeClassificationReport(const std::vector<int64_t>& y_true,
                                                 const std::vector<int64_t>& y_pred,
                                                 int num_classes);

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
