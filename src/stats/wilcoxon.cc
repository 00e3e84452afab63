#include "merhan/stats/wilcoxon.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

#include "merhan/stats/distributions.h"
#include "merhan/util/error.h"

namespace merhan::stats {
namespace {

// Average ranks (1-based) of `values`, and the sizes of the tie groups.
void AverageRanks(const std::vector<double>& values, std::vector<double>* ranks, std::vector<int>* tie_sizes) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  ranks->assign(n, 0);
  tie_sizes->clear();
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double average = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2;
    for (size_t k = i; k <= j; ++k) (*ranks)[order[k]] = average;
    tie_sizes->push_back(static_cast<int>(j - i + 1));
    i = j + 1;
  }
}

// Sum of pmf[lo..hi], clipped to the support.
double PmfSum(const std::vector<double>& pmf, int64_t lo, int64_t hi) {
  double s = 0;
  for (int64_t i = std::max<int64_t>(lo, 0); i <= hi && i < static_cast<int64_t>(pmf.size()); ++i) s += pmf[i];
  return s;
}

// scipy's WilcoxonDistribution: each tail summed directly on its own side of the
// mean and as a complement on the other. Needs no ties and no zeros.
double ExactPValue(const WilcoxonResult& r) {
  const std::vector<double> pmf = WilcoxonNullPmf(r.n);
  const int64_t last = static_cast<int64_t>(pmf.size()) - 1;
  const double mean = r.n * (r.n + 1) / 4.0;
  auto cdf = [&](int64_t k) { return k <= mean ? PmfSum(pmf, 0, k) : 1 - PmfSum(pmf, k + 1, last); };
  auto sf = [&](int64_t k) { return k <= mean ? PmfSum(pmf, k, last) : 1 - PmfSum(pmf, 0, k - 1); };
  const double p =
      2 * std::min(sf(static_cast<int64_t>(std::floor(r.r_plus))), cdf(static_cast<int64_t>(std::ceil(r.r_plus))));
  return std::clamp(p, 0.0, 1.0);
}

// Every sign flip of every difference (zeros included: 2^n outcomes, as scipy's
// permutation_test enumerates them); ranks do not change under a flip.
double PermutationPValue(const std::vector<double>& d, const std::vector<double>& ranks, double observed) {
  const int n = static_cast<int>(d.size());
  const double gamma = std::fabs(100 * std::numeric_limits<double>::epsilon() * observed);
  const uint32_t outcomes = 1u << n;
  // Rank of each original position (zeros contribute nothing).
  std::vector<double> rank_at(n, 0.0);
  for (int i = 0, k = 0; i < n; ++i) {
    if (d[i] != 0) rank_at[i] = ranks[k++];
  }
  uint64_t less = 0, greater = 0;
  for (uint32_t mask = 0; mask < outcomes; ++mask) {
    double r = 0;
    for (int i = 0; i < n; ++i) {
      const bool flipped = (mask >> i) & 1u;
      if (d[i] != 0 && ((d[i] > 0) != flipped)) r += rank_at[i];
    }
    less += r <= observed + gamma;
    greater += r >= observed - gamma;
  }
  const double p = 2 * std::min(static_cast<double>(less), static_cast<double>(greater)) / outcomes;
  return std::clamp(p, 0.0, 1.0);
}

// The normal approximation with the tie correction (zeros dropped): sets z and p.
void NormalApproximation(size_t nonzero, const std::vector<int>& ties, WilcoxonResult* r) {
  const double count = static_cast<double>(nonzero);
  const double mean = count * (count + 1) * 0.25;
  double tie_correction = 0;
  for (int t : ties) tie_correction += static_cast<double>(t) * t * t - t;
  const double se = std::sqrt((count * (count + 1) * (2 * count + 1) - tie_correction / 2) / 24);
  if (!(se > 0)) {
    r->z = std::numeric_limits<double>::quiet_NaN();
    r->pvalue = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  const double z = (r->r_plus - mean) / se;
  r->z = -std::fabs(z);
  r->pvalue = std::clamp(2 * NormalSf(std::fabs(z)), 0.0, 1.0);
}

}  // namespace

WilcoxonResult WilcoxonSignedRank(const std::vector<double>& d) {
  WilcoxonResult result;
  result.n = static_cast<int>(d.size());
  if (d.empty()) {  // scipy: NaN statistic and p-value for an empty sample
    result.statistic = result.pvalue = std::numeric_limits<double>::quiet_NaN();
    result.method = "none";
    return result;
  }
  std::vector<double> nonzero;  // signed
  for (double v : d) {
    if (std::isnan(v)) throw InternalError("WilcoxonSignedRank: NaN difference");
    if (v == 0) {
      ++result.n_zero;
    } else {
      nonzero.push_back(v);
    }
  }
  std::vector<double> magnitude(nonzero.size());
  for (size_t i = 0; i < nonzero.size(); ++i) magnitude[i] = std::fabs(nonzero[i]);
  std::vector<double> ranks;
  std::vector<int> ties;
  AverageRanks(magnitude, &ranks, &ties);
  for (size_t i = 0; i < nonzero.size(); ++i) (nonzero[i] > 0 ? result.r_plus : result.r_minus) += ranks[i];
  for (int t : ties) result.ties = result.ties || t > 1;
  result.statistic = std::min(result.r_plus, result.r_minus);
  if (result.n <= 50 && !result.ties && result.n_zero == 0) {
    result.method = "exact";
    result.pvalue = ExactPValue(result);
  } else if (result.n <= 13) {
    result.method = "permutation";
    result.pvalue = PermutationPValue(d, ranks, result.r_plus);
  } else {
    result.method = "normal";
    NormalApproximation(nonzero.size(), ties, &result);
  }
  return result;
}

WilcoxonResult WilcoxonSignedRank(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw InternalError("WilcoxonSignedRank: x and y differ in length");
  std::vector<double> d(x.size());
  for (size_t i = 0; i < x.size(); ++i) d[i] = x[i] - y[i];
  return WilcoxonSignedRank(d);
}

}  // namespace merhan::stats
