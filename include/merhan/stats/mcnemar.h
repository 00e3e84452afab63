// McNemar's test of paired binary outcomes, as
// statsmodels.stats.contingency_tables.mcnemar computes it from the 2x2 table
// [[both right, only A right], [only B right, both wrong]]; only the
// discordant counts b (only A right) and c (only B right) matter.
//
//   kExact:              statistic = min(b, c), p = min(1, 2 * Binomial(b + c, 1/2).cdf(min(b, c)))
//   kChiSquareCorrected: statistic = (|b - c| - 1)^2 / (b + c) (continuity correction),
//   kChiSquare:          statistic = |b - c|^2 / (b + c); both p = chi2(1).sf(statistic)
//
// One deliberate difference: with no discordant pair (b + c = 0) statsmodels'
// chi-square form divides by zero (statistic inf with the correction, so p = 0,
// or NaN without); here the statistic and p-value are NaN for both chi-square
// forms, because no evidence cannot reject. The exact form gives p = 1 as
// statsmodels does.
#pragma once

#include <cstdint>
#include <vector>

namespace merhan::stats {

struct McNemarResult {
  double statistic = 0;
  double pvalue = 1;
  int64_t b = 0;  // only the first classifier right
  int64_t c = 0;  // only the second classifier right
};

// statsmodels' exact=True, exact=False with correction=True, and without.
enum class McNemarForm { kExact, kChiSquareCorrected, kChiSquare };

McNemarResult McNemar(int64_t b, int64_t c, McNemarForm form = McNemarForm::kExact);

// From per-item correctness of two classifiers on the same items. Throws
// InternalError if the sizes differ.
McNemarResult McNemar(const std::vector<bool>& first_correct, const std::vector<bool>& second_correct,
                      McNemarForm form = McNemarForm::kExact);

}  // namespace merhan::stats
