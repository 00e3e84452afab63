// Temperature-scaling calibration of trained checkpoints (stats/temperature_scaling.h).
//
// After training, each fold's best model is evaluated on its validation split and
// one temperature T is fitted to those predictions. The model's log-probabilities
// serve as logits: softmax(log p / T) = softmax(z / T) for any softmax model, and
// it also defines a temperature for the late-fusion models, which output
// probabilities only. T is stored in the checkpoint's metadata ("calibration") and
// in calibration.json beside it. eval and predict apply it unless told not to.
// Test predictions.csv keeps the raw (uncalibrated) probabilities; summaries
// compute ECE, NLL and Brier on the test split before and after scaling from
// them and T.
#pragma once

#include <torch/torch.h>

#include <string>

#include <nlohmann/json.hpp>

#include "merhan/runtime/evaluation.h"
#include "merhan/stats/calibration.h"
#include "merhan/stats/temperature_scaling.h"

namespace merhan {
struct FoldCalibration {
  stats::TemperatureFit fit;                // on the validation split
  int64_t count = 0;                        // labelled validation utterances
  stats::CalibrationMetrics before, after;  // validation, at T = 1 and at the fitted T
  std::string note;                         // why T = 1 was kept without a fit, if it was

  double temperature() const { return fit.temperature; }
  // {"method", "temperature", "fitted_on", "count", "at_bound", "validation": {before/after ece, nll, brier}}
  nlohmann::json ToJson() const;
};

// Fits T to the labelled rows of a validation evaluation. A model whose
// probabilities are not finite (training diverged) keeps T = 1, with a note,
// rather than failing the run.
FoldCalibration FitFoldCalibration(const EvaluationResult& validation, int num_classes);

// Writes the calibration into the checkpoint at `checkpoint_path` (re-saved with
// `model`'s weights, which must be the ones it holds) and into calibration.json
// in the same folder, both atomically.
void StoreCalibration(const std::string& checkpoint_path, torch::nn::Module& model, const FoldCalibration& calibration);

}  // namespace merhan
