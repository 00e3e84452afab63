// How well predicted probabilities match outcomes. Probabilities are an (N, C)
// row-major matrix, one row per item summing to 1; labels are 0..C-1.
//
//   ECE   = sum over bins b of |B_b|/N * |accuracy(B_b) - mean confidence(B_b)|,
//           confidence = max_c p_c, the prediction = argmax (first maximum), and
//           15 equal-width bins (i/15, (i+1)/15] (Guo et al. 2017; a confidence
//           of exactly 0 falls in no bin, and cannot occur for C >= 1).
//           Bin edges are computed as numpy.linspace(0, 1, 16) computes them.
//   NLL   = mean of -log p_label, p clipped to [eps, 1 - eps] with eps the
//           float64 machine epsilon (as sklearn.metrics.log_loss).
//   Brier = mean over items of sum_c (p_c - [c == label])^2 (the multi-class
//           Brier score of Brier 1950; in [0, 2], not divided by C).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan::stats {

struct ReliabilityBin {
  double lower = 0, upper = 0;  // (lower, upper]
  int64_t count = 0;
  double accuracy = 0;    // 0 when empty
  double confidence = 0;  // mean confidence; 0 when empty
};

struct CalibrationMetrics {
  double ece = 0;
  double nll = 0;
  double brier = 0;
  int64_t count = 0;
  std::vector<ReliabilityBin> bins;  // for a reliability diagram

  // {"ece", "nll", "brier"}, as calibration.json and summary.json store them.
  nlohmann::json ToJson() const { return {{"ece", ece}, {"nll", nll}, {"brier", brier}}; }
};

// Throws InternalError when sizes disagree or a label is outside 0..C-1.
CalibrationMetrics ComputeCalibration(const std::vector<double>& probabilities, const std::vector<int64_t>& labels,
                                      int num_classes, int num_bins = 15);

// Softmax of each row of (N, C) logits divided by `temperature`, row-major.
std::vector<double> SoftmaxWithTemperature(const std::vector<double>& logits, int num_classes, double temperature);

}  // namespace merhan::stats
