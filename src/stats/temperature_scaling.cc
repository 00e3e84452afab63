#include "merhan/stats/temperature_scaling.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::stats {
namespace {

struct Derivatives {
  double value = 0, first = 0, second = 0;  // of the mean NLL in beta
};

// NLL(beta) = mean_i [logsumexp(beta z_i) - beta z_iy];
// d/dbeta = mean_i [E_p(z_i) - z_iy]; d2/dbeta2 = mean_i Var_p(z_i) >= 0.
Derivatives Evaluate(const std::vector<double>& z, const std::vector<int64_t>& y, int c, double beta) {
  Derivatives d;
  const size_t n = y.size();
  for (size_t i = 0; i < n; ++i) {
    const double* row = z.data() + i * c;
    double top = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < c; ++k) top = std::max(top, beta * row[k]);
    double sum = 0, mean = 0, square = 0;
    for (int k = 0; k < c; ++k) {
      const double w = std::exp(beta * row[k] - top);
      sum += w;
      mean += w * row[k];
      square += w * row[k] * row[k];
    }
    mean /= sum;
    square /= sum;
    d.value += top + std::log(sum) - beta * row[y[i]];
    d.first += mean - row[y[i]];
    d.second += std::max(0.0, square - mean * mean);
  }
  d.value /= static_cast<double>(n);
  d.first /= static_cast<double>(n);
  d.second /= static_cast<double>(n);
  return d;
}

void Check(const std::vector<double>& logits, const std::vector<int64_t>& labels, int num_classes) {
  if (num_classes < 1 || logits.size() != labels.size() * static_cast<size_t>(num_classes)) {
    throw InternalError(Cat("temperature scaling: ", logits.size(), " logits for ", labels.size(), " labels and ",
                            num_classes, " classes"));
  }
  for (int64_t y : labels) {
    if (y < 0 || y >= num_classes)
      throw InternalError(Cat("temperature scaling: label ", y, " outside 0..", num_classes - 1));
  }
  for (double v : logits) {
    if (!std::isfinite(v)) throw InternalError("temperature scaling: non-finite logit");
  }
}

}  // namespace

double TemperatureNll(const std::vector<double>& logits, const std::vector<int64_t>& labels, int num_classes,
                      double temperature) {
  Check(logits, labels, num_classes);
  if (labels.empty()) return 0;
  return Evaluate(logits, labels, num_classes, 1.0 / temperature).value;
}

TemperatureFit FitTemperature(const std::vector<double>& logits, const std::vector<int64_t>& labels, int num_classes) {
  Check(logits, labels, num_classes);
  TemperatureFit fit;
  if (labels.empty()) return fit;
  fit.nll_before = Evaluate(logits, labels, num_classes, 1.0).value;
  double lo = 1.0 / kMaxTemperature, hi = 1.0 / kMinTemperature;  // bracket on beta
  const Derivatives at_lo = Evaluate(logits, labels, num_classes, lo);
  const Derivatives at_hi = Evaluate(logits, labels, num_classes, hi);
  double beta;
  if (at_lo.first >= 0) {  // rising from the smallest beta: optimum at T_max
    beta = lo;
    fit.at_bound = true;
  } else if (at_hi.first <= 0) {  // still falling at the largest beta: optimum at T_min
    beta = hi;
    fit.at_bound = true;
  } else {
    beta = 1.0;
    for (fit.iterations = 1; fit.iterations <= 200; ++fit.iterations) {
      const Derivatives d = Evaluate(logits, labels, num_classes, beta);
      if (d.first > 0)
        hi = beta;
      else
        lo = beta;  // the derivative is increasing in beta
      double next = d.second > 0 ? beta - d.first / d.second : 0.5 * (lo + hi);
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      const double step = std::fabs(next - beta);
      beta = next;
      if (step < 1e-12 * std::max(1.0, beta) || hi - lo < 1e-14 * beta) break;
    }
  }
  fit.temperature = 1.0 / beta;
  fit.nll_after = Evaluate(logits, labels, num_classes, beta).value;
  return fit;
}

std::vector<double> LogitsFromProbabilities(const std::vector<double>& probabilities) {
  std::vector<double> logits(probabilities.size());
  const double floor = std::numeric_limits<float>::min();
  for (size_t i = 0; i < probabilities.size(); ++i) logits[i] = std::log(std::max(probabilities[i], floor));
  return logits;
}

}  // namespace merhan::stats
