// Holm's step-down correction for multiple tests, as
// statsmodels.stats.multitest.multipletests(pvals, alpha, method='holm'):
// sort the m p-values ascending, adjusted_(i) = min(1, max_{j <= i} (m - j) p_(j))
// (j 0-based), returned in input order; a hypothesis is rejected when its
// adjusted p-value is <= alpha (statsmodels' step-down rule, equivalently).
//
// NaN p-values (a test that could not be computed) are left out of the family:
// they stay NaN, are not rejected, and do not count in m. statsmodels has no
// rule for them.
#pragma once

#include <vector>

namespace merhan::stats {

struct HolmResult {
  std::vector<double> adjusted;  // input order
  std::vector<bool> reject;
};

// Throws InternalError for a p-value outside [0, 1] or alpha outside (0, 1).
HolmResult HolmCorrection(const std::vector<double>& pvalues, double alpha = 0.05);

}  // namespace merhan::stats
