#include "merhan/results/calibration_summary.h"

#include <filesystem>

#include "merhan/results/number_format.h"
#include "merhan/results/run_layout.h"
#include "merhan/results/run_predictions.h"
#include "merhan/stats/calibration.h"
#include "merhan/stats/temperature_scaling.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

nlohmann::json BinsJson(const stats::CalibrationMetrics& m) {
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : m.bins) {
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"count", b.count},
                    {"accuracy", b.accuracy},
                    {"confidence", b.confidence}});
  }
  return bins;
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
    const std::string dir = FoldSeedDir(run_dir, fold, seed);
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
    const std::vector<double> logits = stats::LogitsFromProbabilities(p.probabilities);
    const std::vector<double> scaled = stats::SoftmaxWithTemperature(logits, c, t);
    const auto before = stats::ComputeCalibration(stats::SoftmaxWithTemperature(logits, c, 1.0), p.truth, c);
    const auto after = stats::ComputeCalibration(scaled, p.truth, c);
    runs.push_back({{"fold", fold},
                    {"seed", seed},
                    {"temperature", t},
                    {"test", {{"before", before.ToJson()}, {"after", after.ToJson()}}}});
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
  return {{"method",
           "each (fold, seed)'s temperature, fitted on its validation split, applied to its test "
           "predictions; ECE over 15 equal-width confidence bins, NLL, multi-class Brier"},
          {"runs", runs},
          {"mean",
           {{"before", {{"ece", sums[0] / n}, {"nll", sums[1] / n}, {"brier", sums[2] / n}}},
            {"after", {{"ece", sums[3] / n}, {"nll", sums[4] / n}, {"brier", sums[5] / n}}}}},
          {"pooled",
           {{"count", before.count},
            {"before", before.ToJson()},
            {"after", after.ToJson()},
            {"bins_before", BinsJson(before)},
            {"bins_after", BinsJson(after)}}}};
}

std::string CalibrationMarkdown(const nlohmann::json& s) {
  if (!s.is_object() || !s.contains("mean")) return "";
  std::string out = "\nCalibration on the test split (mean over " + std::to_string(s["runs"].size()) +
                    " (fold, seed); temperature fitted on validation):\n\n| | ECE | NLL | Brier | temperature |\n"
                    "|---|---|---|---|---|\n";
  std::string temps;
  for (const auto& r : s["runs"]) temps += (temps.empty() ? "" : ", ") + FormatFixed(r["temperature"].get<double>(), 2);
  for (const char* when : {"before", "after"}) {
    const auto& m = s["mean"][when];
    out += std::string("| ") + (std::string(when) == "before" ? "before scaling" : "after scaling") + " | " +
           FormatFixed(m["ece"].get<double>(), 4) + " | " + FormatFixed(m["nll"].get<double>(), 4) + " | " +
           FormatFixed(m["brier"].get<double>(), 4) + " | " + (std::string(when) == "before" ? "1" : temps) + " |\n";
  }
  return out;
}

}  // namespace merhan
