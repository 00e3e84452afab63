#include "merhan/stats/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::stats {

CalibrationMetrics ComputeCalibration(const std::vector<double>& probabilities, const std::vector<int64_t>& labels,
                                      int num_classes, int num_bins) {
  if (num_classes < 1 || num_bins < 1) throw InternalError("ComputeCalibration: need >= 1 class and bin");
  const size_t n = labels.size();
  if (probabilities.size() != n * static_cast<size_t>(num_classes)) {
    throw InternalError(Cat("ComputeCalibration: ", probabilities.size(), " probabilities for ", n, " labels and ",
                            num_classes, " classes"));
  }
  CalibrationMetrics m;
  m.count = static_cast<int64_t>(n);
  // numpy.linspace(0, 1, num_bins + 1): i * (1 / num_bins), the last edge exactly 1.
  const double step = 1.0 / num_bins;
  std::vector<double> edges(num_bins + 1);
  for (int i = 0; i <= num_bins; ++i) edges[i] = i * step;
  edges[num_bins] = 1.0;
  m.bins.resize(num_bins);
  std::vector<double> correct_sum(num_bins, 0), confidence_sum(num_bins, 0);
  for (int b = 0; b < num_bins; ++b) {
    m.bins[b].lower = edges[b];
    m.bins[b].upper = edges[b + 1];
  }
  const double eps = std::numeric_limits<double>::epsilon();
  double nll = 0, brier = 0;
  for (size_t i = 0; i < n; ++i) {
    const double* p = probabilities.data() + i * num_classes;
    const int64_t y = labels[i];
    if (y < 0 || y >= num_classes)
      throw InternalError(Cat("ComputeCalibration: label ", y, " outside 0..", num_classes - 1));
    int argmax = 0;
    for (int c = 1; c < num_classes; ++c) {
      if (p[c] > p[argmax]) argmax = c;
    }
    const double confidence = p[argmax];
    for (int b = 0; b < num_bins; ++b) {
      if (confidence > edges[b] && confidence <= edges[b + 1]) {
        ++m.bins[b].count;
        correct_sum[b] += argmax == y ? 1.0 : 0.0;
        confidence_sum[b] += confidence;
        break;
      }
    }
    nll -= std::log(std::clamp(p[y], eps, 1 - eps));
    for (int c = 0; c < num_classes; ++c) {
      const double diff = p[c] - (c == y ? 1.0 : 0.0);
      brier += diff * diff;
    }
  }
  if (n == 0) return m;
  for (int b = 0; b < num_bins; ++b) {
    auto& bin = m.bins[b];
    if (bin.count == 0) continue;
    bin.accuracy = correct_sum[b] / static_cast<double>(bin.count);
    bin.confidence = confidence_sum[b] / static_cast<double>(bin.count);
    m.ece += static_cast<double>(bin.count) / static_cast<double>(n) * std::fabs(bin.accuracy - bin.confidence);
  }
  m.nll = nll / static_cast<double>(n);
  m.brier = brier / static_cast<double>(n);
  return m;
}

std::vector<double> SoftmaxWithTemperature(const std::vector<double>& logits, int num_classes, double temperature) {
  if (num_classes < 1 || logits.size() % num_classes != 0) throw InternalError("SoftmaxWithTemperature: bad shape");
  if (!(temperature > 0))
    throw InternalError(Cat("SoftmaxWithTemperature: temperature must be > 0, got ", temperature));
  std::vector<double> out(logits.size());
  for (size_t row = 0; row < logits.size(); row += num_classes) {
    double top = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < num_classes; ++c) top = std::max(top, logits[row + c] / temperature);
    double sum = 0;
    for (int c = 0; c < num_classes; ++c) sum += out[row + c] = std::exp(logits[row + c] / temperature - top);
    for (int c = 0; c < num_classes; ++c) out[row + c] /= sum;
  }
  return out;
}

}  // namespace merhan::stats
