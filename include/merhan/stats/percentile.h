// Percentiles as numpy.percentile computes them by default (method 'linear',
// Hyndman & Fan type 7), which is also what scipy.stats.bootstrap uses for its
// percentile intervals.
#pragma once

#include <vector>

namespace merhan::stats {

// The q-th percentile (q in [0, 100]) of `values`. Throws InternalError for an
// empty input or q outside [0, 100]; NaN if any value is NaN (numpy's result).
double Percentile(std::vector<double> values, double q);

}  // namespace merhan::stats
