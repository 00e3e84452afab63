#include "merhan/stats/holm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::stats {

HolmResult HolmCorrection(const std::vector<double>& pvalues, double alpha) {
  if (!(alpha > 0 && alpha < 1)) throw InternalError(Cat("HolmCorrection: alpha must be in (0, 1), got ", alpha));
  HolmResult r;
  r.adjusted.assign(pvalues.size(), std::numeric_limits<double>::quiet_NaN());
  r.reject.assign(pvalues.size(), false);
  std::vector<size_t> order;
  for (size_t i = 0; i < pvalues.size(); ++i) {
    if (std::isnan(pvalues[i])) continue;
    if (pvalues[i] < 0 || pvalues[i] > 1)
      throw InternalError(Cat("HolmCorrection: p-value ", pvalues[i], " outside [0, 1]"));
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return pvalues[a] < pvalues[b]; });
  const size_t m = order.size();
  double running = 0;
  bool stopped = false;  // step-down: once one is kept, every larger one is kept
  for (size_t j = 0; j < m; ++j) {
    const double p = pvalues[order[j]];
    running = std::max(running, static_cast<double>(m - j) * p);
    r.adjusted[order[j]] = std::min(1.0, running);
    if (!stopped && p > alpha / static_cast<double>(m - j)) stopped = true;
    r.reject[order[j]] = !stopped;
  }
  return r;
}

}  // namespace merhan::stats
