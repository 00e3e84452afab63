#include "merhan/stats/percentile.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::stats {

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) throw InternalError("Percentile: no values");
  if (!(q >= 0 && q <= 100)) throw InternalError(Cat("Percentile: q must be in [0, 100], got ", q));
  for (double v : values) {
    if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
  }
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * (q / 100.0);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double t = h - static_cast<double>(lo);
  const double a = values[lo], b = values[hi];
  // numpy's _lerp: a + (b - a) t, computed from the nearer end for t >= 1/2 so
  // that the result is exact at both ends.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

}  // namespace merhan::stats
