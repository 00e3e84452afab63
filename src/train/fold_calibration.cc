#include "merhan/train/fold_calibration.h"

#include <cmath>
#include <filesystem>

#include "merhan/runtime/checkpoint.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"

namespace merhan {
namespace fs = std::filesystem;

nlohmann::json FoldCalibration::ToJson() const {
  return {{"method", "temperature scaling of log-probabilities, fitted on the validation split by NLL"},
          {"temperature", fit.temperature},
          {"fitted_on", "validation"},
          {"count", count},
          {"at_bound", fit.at_bound},
          {"validation", {{"before", before.ToJson()}, {"after", after.ToJson()}}},
          {"note", note}};
}

FoldCalibration FitFoldCalibration(const EvaluationResult& validation, int num_classes) {
  FoldCalibration c;
  if (!validation.probabilities.defined()) throw InternalError("FitFoldCalibration: no probabilities");
  const auto probs = validation.probabilities.to(torch::kCPU, torch::kFloat64).contiguous();
  if (probs.dim() != 2 || probs.size(1) != num_classes ||
      probs.size(0) != static_cast<int64_t>(validation.labels.size())) {
    throw InternalError("FitFoldCalibration: probabilities do not match labels and classes");
  }
  std::vector<double> p;
  std::vector<int64_t> labels;
  const double* data = probs.data_ptr<double>();
  for (size_t i = 0; i < validation.labels.size(); ++i) {
    if (validation.labels[i] < 0) continue;
    labels.push_back(validation.labels[i]);
    p.insert(p.end(), data + i * num_classes, data + (i + 1) * num_classes);
  }
  c.count = static_cast<int64_t>(labels.size());
  for (double v : p) {
    if (!std::isfinite(v)) {
      c.note = "not fitted: the model's validation probabilities are not finite";
      return c;
    }
  }
  const std::vector<double> logits = stats::LogitsFromProbabilities(p);
  c.fit = stats::FitTemperature(logits, labels, num_classes);
  c.before = stats::ComputeCalibration(stats::SoftmaxWithTemperature(logits, num_classes, 1.0), labels, num_classes);
  c.after = stats::ComputeCalibration(stats::SoftmaxWithTemperature(logits, num_classes, c.fit.temperature), labels,
                                      num_classes);
  return c;
}

void StoreCalibration(const std::string& checkpoint_path, torch::nn::Module& model,
                      const FoldCalibration& calibration) {
  CheckpointMeta meta = CheckpointReader(checkpoint_path).meta();
  meta.calibration = calibration.ToJson();
  SaveCheckpoint(checkpoint_path, meta, model);
  const fs::path dir = fs::path(checkpoint_path).parent_path();
  WriteStringAtomically((dir / "calibration.json").string(), calibration.ToJson().dump(2) + "\n");
}

}  // namespace merhan
