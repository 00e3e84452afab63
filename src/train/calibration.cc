#include "merhan/train/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "merhan/train/run_predictions.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"

namespace merhan {
namespace fs = std::filesystem;

std::vector<double> LogitsFromProbabilities(const std::vector<double>& probabilities) {
  std::vector<double> logits(probabilities.size());
  const double floor = std::numeric_limits<float>::min();
  for (size_t i = 0; i < probabilities.size(); ++i) logits[i] = std::log(std::max(probabilities[i], floor));
  return logits;
}

torch::Tensor ApplyTemperature(const torch::Tensor& probabilities, double temperature) {
  if (!(temperature > 0)) throw InternalError("ApplyTemperature: temperature must be > 0");
  const auto p = probabilities.to(torch::kCPU, torch::kFloat64);
  const auto logits = p.clamp_min(std::numeric_limits<float>::min()).log();
  return torch::softmax(logits / temperature, 1).to(torch::kFloat32);
}

namespace {

nlohmann::json MetricsJson(const stats::CalibrationMetrics& m) {
  return {{"ece", m.ece}, {"nll", m.nll}, {"brier", m.brier}};
}

}  // namespace

nlohmann::json FoldCalibration::ToJson() const {
  return {{"method", "temperature scaling of log-probabilities, fitted on the validation split by NLL"},
          {"temperature", fit.temperature},
          {"fitted_on", "validation"},
          {"count", count},
          {"at_bound", fit.at_bound},
          {"validation", {{"before", MetricsJson(before)}, {"after", MetricsJson(after)}}},
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
  const std::vector<double> logits = LogitsFromProbabilities(p);
  c.fit = stats::FitTemperature(logits, labels, num_classes);
  c.before = stats::ComputeCalibration(stats::SoftmaxWithTemperature(logits, num_classes, 1.0), labels, num_classes);
  c.after = stats::ComputeCalibration(stats::SoftmaxWithTemperature(logits, num_classes, c.fit.temperature), labels,
                                      num_classes);
  return c;
}

void StoreCalibration(const std::string& checkpoint_path, torch::nn::Module& model, const FoldCalibration& calibration) {
  CheckpointMeta meta = CheckpointReader(checkpoint_path).meta();
  meta.calibration = calibration.ToJson();
  SaveCheckpoint(checkpoint_path, meta, model);
  const fs::path dir = fs::path(checkpoint_path).parent_path();
  WriteStringAtomically((dir / "calibration.json").string(), calibration.ToJson().dump(2) + "\n");
}

double CheckpointTemperature(const CheckpointMeta& meta) {
  if (!meta.calibration.is_object() || !meta.calibration.contains("temperature")) return 1.0;
  const double t = meta.calibration["temperature"].get<double>();
  return t > 0 ? t : 1.0;
}

namespace {

nlohmann::json BinsJson(const stats::CalibrationMetrics& m) {
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : m.bins) {
    bins.push_back({{"lower", b.lower}, {"upper", b.upper}, {"count", b.count}, {"accuracy", b.accuracy},
                    {"confidence", b.confidence}});
  }
  return bins;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

}  // namespace

nlohmann::json SummariseRunCalibration(const std::string& run_dir, const std::vector<std::pair<int, int>>& fold_seeds,
                                       const std::vector<std::string>& classes) {
  const int c = static_cast<int>(classes.size());
  nlohmann::json runs = nlohmann::json::array();
  std::vector<double> pooled_logits;
  std::vector<double> pooled_scaled;
  std::vector<int64_t> pooled_labels;
  double sums[6] = {0, 0, 0, 0, 0, 0};
  for (const auto& [fold, seed] : fold_seeds) {
    const std::string dir = run_dir + "/fold-" + std::to_string(fold) + "/seed-" + std::to_string(seed);
    const std::string path = dir + "/calibration.json";
    if (!fs::exists(path)) continue;
    const auto stored = ParseJson(ReadFileToString(path), path);
    double t = 0;
    try {
      t = stored.at("temperature").get<double>();
    } catch (const nlohmann::json::exception& e) {
      throw DataError(path + ": no temperature: " + e.what());
    }
    if (!(t > 0)) throw DataError(path + ": temperature must be > 0");
    const FoldSeedPredictions p = ReadPredictionsCsv(dir + "/predictions.csv", classes);
    const std::vector<double> logits = LogitsFromProbabilities(p.probabilities);
    const std::vector<double> scaled = stats::SoftmaxWithTemperature(logits, c, t);
    const auto before = stats::ComputeCalibration(stats::SoftmaxWithTemperature(logits, c, 1.0), p.truth, c);
    const auto after = stats::ComputeCalibration(scaled, p.truth, c);
    runs.push_back({{"fold", fold}, {"seed", seed}, {"temperature", t},
                    {"test", {{"before", MetricsJson(before)}, {"after", MetricsJson(after)}}}});
    const double values[6] = {before.ece, before.nll, before.brier, after.ece, after.nll, after.brier};
    for (int k = 0; k < 6; ++k) sums[k] += values[k];
    pooled_logits.insert(pooled_logits.end(), logits.begin(), logits.end());
    pooled_scaled.insert(pooled_scaled.end(), scaled.begin(), scaled.end());
    pooled_labels.insert(pooled_labels.end(), p.truth.begin(), p.truth.end());
  }
  if (runs.empty()) return nullptr;
  const double n = static_cast<double>(runs.size());
  const auto before = stats::ComputeCalibration(stats::SoftmaxWithTemperature(pooled_logits, c, 1.0), pooled_labels, c);
  const auto after = stats::ComputeCalibration(pooled_scaled, pooled_labels, c);
  return {{"method", "each (fold, seed)'s temperature, fitted on its validation split, applied to its test "
                     "predictions; ECE over 15 equal-width confidence bins, NLL, multi-class Brier"},
          {"runs", runs},
          {"mean", {{"before", {{"ece", sums[0] / n}, {"nll", sums[1] / n}, {"brier", sums[2] / n}}},
                    {"after", {{"ece", sums[3] / n}, {"nll", sums[4] / n}, {"brier", sums[5] / n}}}}},
          {"pooled", {{"count", before.count},
                      {"before", MetricsJson(before)},
                      {"after", MetricsJson(after)},
                      {"bins_before", BinsJson(before)},
                      {"bins_after", BinsJson(after)}}}};
}

std::string CalibrationMarkdown(const nlohmann::json& s) {
  if (!s.is_object() || !s.contains("mean")) return "";
  std::string out = "\nCalibration on the test split (mean over " + std::to_string(s["runs"].size()) +
                    " (fold, seed); temperature fitted on validation):\n\n| | ECE | NLL | Brier | temperature |\n"
                    "|---|---|---|---|---|\n";
  std::string temps;
  for (const auto& r : s["runs"]) temps += (temps.empty() ? "" : ", ") + Fixed(r["temperature"].get<double>(), 2);
  for (const char* when : {"before", "after"}) {
    const auto& m = s["mean"][when];
    out += std::string("| ") + (std::string(when) == "before" ? "before scaling" : "after scaling") + " | " +
           Fixed(m["ece"].get<double>(), 4) + " | " + Fixed(m["nll"].get<double>(), 4) + " | " +
           Fixed(m["brier"].get<double>(), 4) + " | " + (std::string(when) == "before" ? "1" : temps) + " |\n";
  }
  return out;
}

}  // namespace merhan
