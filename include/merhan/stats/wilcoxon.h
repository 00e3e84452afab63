// The Wilcoxon signed-rank test, two-sided, as scipy.stats.wilcoxon computes it
// with its defaults (scipy 1.17: zero_method='wilcox', correction=False,
// alternative='two-sided', method='auto'):
//
//   * zero differences are dropped before ranking; |d| is ranked with average
//     ranks for ties; R+ / R- are the rank sums of the positive / negative d;
//     the reported statistic is min(R+, R-);
//   * method 'auto' picks, by the number n of differences (zeros included):
//       - n <= 50, no ties and no zeros: the exact null distribution of R+,
//         p = min(1, 2 min(P(R+ >= r), P(R+ <= r)));
//       - n <= 13 with ties or zeros: scipy runs an exhaustive permutation test
//         over all 2^n sign flips (exact, no +1 adjustment), p = min(1, 2 min(
//         share of flips with R+ <= r, share with R+ >= r)), comparisons with
//         scipy's relative tolerance 100 eps;
//       - otherwise the normal approximation without continuity correction:
//         z = (R+ - n'(n'+1)/4) / sqrt((n'(n'+1)(2n'+1) - sum(t^3 - t)/2) / 24),
//         n' = non-zero differences, t = tie-group sizes, p = 2 P(Z >= |z|).
//   * only zero differences: statistic 0, p-value 1 for n <= 13 (permutation)
//     and NaN above (normal: zero variance), as scipy; no difference at all:
//     statistic and p-value NaN, method "none".
#pragma once

#include <string>
#include <vector>

namespace merhan::stats {

struct WilcoxonResult {
  double statistic = 0;  // min(R+, R-)
  double pvalue = 0;     // two-sided
  double r_plus = 0, r_minus = 0;
  int n = 0;           // differences given
  int n_zero = 0;      // of them exactly zero (dropped)
  bool ties = false;   // tied |d| among the non-zero ones
  std::string method;  // "exact" | "permutation" | "normal" | "none"
  double z = 0;        // for "normal": -|z|, as scipy's zstatistic; else 0
};

// Two-sided test of the median of `d` (paired differences x - y) being 0.
WilcoxonResult WilcoxonSignedRank(const std::vector<double>& d);
// The paired form: d = x - y. Throws InternalError if the sizes differ.
WilcoxonResult WilcoxonSignedRank(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace merhan::stats
