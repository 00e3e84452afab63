// Temperature scaling (Guo et al. 2017): one scalar T > 0 that divides every
// logit, fitted by minimising the mean negative log-likelihood on held-out
// (validation) items. Dividing all logits of an item by the same positive T
// keeps their order, so the predicted class never changes.
//
// The NLL is convex in beta = 1/T (log-sum-exp of a linear function minus a
// linear function), so the minimiser is found by safeguarded Newton steps on
// beta (bisection whenever a step leaves the bracket) to |step| < 1e-12; the
// result is the same optimum a converged gradient method (PyTorch LBFGS on T,
// scripts/ref_temperature.py) reaches. T is confined to [0.01, 100]: when the
// NLL keeps falling beyond that (every validation item right, or every one
// wrong), the bound is returned and `at_bound` says so.
#pragma once

#include <cstdint>
#include <vector>

namespace merhan::stats {

struct TemperatureFit {
  double temperature = 1;
  double nll_before = 0;  // mean NLL at T = 1
  double nll_after = 0;   // at the fitted T
  int iterations = 0;
  bool at_bound = false;
};

inline constexpr double kMinTemperature = 0.01;
inline constexpr double kMaxTemperature = 100.0;

// `logits` is (N, C) row-major. Throws InternalError for bad shapes, labels or
// non-finite logits; an empty set returns T = 1.
TemperatureFit FitTemperature(const std::vector<double>& logits, const std::vector<int64_t>& labels, int num_classes);

// log p, with p clamped to the smallest normal float so that a probability
// that underflowed to 0 in float32 gives a finite logit. The logits of a model
// that outputs probabilities (every merhan model does; late fusion only does).
std::vector<double> LogitsFromProbabilities(const std::vector<double>& probabilities);

// Mean NLL of softmax(logits / T) (exposed for tests and reports).
double TemperatureNll(const std::vector<double>& logits, const std::vector<int64_t>& labels, int num_classes,
                      double temperature);

}  // namespace merhan::stats
