#include "merhan/stats/distributions.h"

#include <algorithm>
#include <cmath>

#include "merhan/util/error.h"

namespace merhan::stats {

double NormalSf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

// chi2(1) is Z^2, so P(X >= x) = P(|Z| >= sqrt(x)) = erfc(sqrt(x / 2)).
double ChiSquare1Sf(double x) {
  if (std::isnan(x)) return x;
  if (x <= 0) return 1.0;
  return std::erfc(std::sqrt(x / 2.0));
}

double BinomialHalfCdf(int64_t k, int64_t n) {
  if (n < 0) throw InternalError("BinomialHalfCdf: n must be >= 0");
  if (k < 0) return 0.0;
  if (k >= n) return 1.0;
  if (2 * k >= n) return 1.0 - BinomialHalfCdf(n - k - 1, n);  // symmetry: P(X <= k) = 1 - P(X <= n-k-1)
  // pmf(k) from log-gamma in long double (the cancellation in
  // lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1) costs ~n eps in double), then the
  // smaller terms by the ratio pmf(j-1) / pmf(j) = j / (n - j + 1), summed
  // from the largest (k < n/2, so pmf is increasing up to k).
  const long double nn = static_cast<long double>(n), kk = static_cast<long double>(k);
  const long double log_top =
      std::lgamma(nn + 1) - std::lgamma(kk + 1) - std::lgamma(nn - kk + 1) - nn * std::log(2.0L);
  long double term = 1, sum = 1;
  for (int64_t j = k; j > 0; --j) {
    term *= static_cast<long double>(j) / static_cast<long double>(n - j + 1);
    sum += term;
    if (term < 1e-21L * sum) break;  // the rest cannot change the result
  }
  return static_cast<double>(std::exp(log_top) * sum);
}

std::vector<double> WilcoxonNullPmf(int n) {
  if (n < 0) throw InternalError("WilcoxonNullPmf: n must be >= 0");
  const int max_sum = n * (n + 1) / 2;
  // counts[s]: subsets of {1..n} whose sum is s; add one rank at a time.
  std::vector<double> counts(max_sum + 1, 0.0);
  counts[0] = 1;
  int reach = 0;
  for (int r = 1; r <= n; ++r) {
    reach += r;
    for (int s = reach; s >= r; --s) counts[s] += counts[s - r];
  }
  const double total = std::ldexp(1.0, n);
  for (double& c : counts) c /= total;
  return counts;
}

}  // namespace merhan::stats
