// Tail probabilities of the distributions the hypothesis tests need, in double
// precision and without a statistics library: the standard normal, the
// chi-square with one degree of freedom, the Binomial(n, 1/2) and the null
// distribution of the Wilcoxon signed-rank statistic.
#pragma once

#include <cstdint>
#include <vector>

namespace merhan::stats {

// P(Z >= z) for a standard normal Z (scipy.stats.norm.sf).
double NormalSf(double z);

// P(X >= x) for X ~ chi-square with 1 degree of freedom (scipy.stats.chi2.sf(x, 1)).
double ChiSquare1Sf(double x);

// P(X <= k) for X ~ Binomial(n, 1/2) (scipy.stats.binom.cdf(k, n, 0.5)); 0 for
// k < 0 and 1 for k >= n. Summed in log space, so accurate for large n.
double BinomialHalfCdf(int64_t k, int64_t n);

// The exact null distribution of the signed-rank statistic R+ for n untied,
// non-zero differences: pmf[k] = P(R+ = k), k = 0..n(n+1)/2 (scipy's
// _get_wilcoxon_distr). Counts are exact up to n = 50 in double precision
// (largest count < 2^53 there), which is where the exact test is used.
std::vector<double> WilcoxonNullPmf(int n);

}  // namespace merhan::stats
