// Properties of the statistics layer that need no reference package:
// determinism, edge cases and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "merhan/stats/bootstrap.h"
#include "merhan/stats/calibration.h"
#include "merhan/stats/distributions.h"
#include "merhan/stats/holm.h"
#include "merhan/stats/mcnemar.h"
#include "merhan/stats/wilcoxon.h"
#include "merhan/util/error.h"

namespace merhan::stats {
namespace {

TEST(Distributions, BinomialHalfCdfSumsToOneAndIsSymmetric) {
  for (int64_t n : {1, 2, 7, 40, 301}) {
    for (int64_t k = 0; k < n; ++k) {
      // P(X <= k) + P(X <= n - k - 1) = 1 by symmetry.
      EXPECT_NEAR(BinomialHalfCdf(k, n) + BinomialHalfCdf(n - k - 1, n), 1.0, 1e-13) << n << " " << k;
    }
  }
  EXPECT_DOUBLE_EQ(BinomialHalfCdf(0, 3), 0.125);
  EXPECT_DOUBLE_EQ(BinomialHalfCdf(-1, 3), 0.0);
  EXPECT_DOUBLE_EQ(BinomialHalfCdf(3, 3), 1.0);
}

TEST(Distributions, WilcoxonNullPmfIsTheSubsetSumDistribution) {
  const auto pmf = WilcoxonNullPmf(3);  // subsets of {1,2,3}: sums 0,1,2,3,3,4,5,6
  ASSERT_EQ(pmf.size(), 7u);
  const double expected[] = {1, 1, 1, 2, 1, 1, 1};
  for (int k = 0; k < 7; ++k) EXPECT_DOUBLE_EQ(pmf[k], expected[k] / 8) << k;
}

TEST(Wilcoxon, EmptyAndSignSymmetry) {
  const std::vector<double> d = {0.3, -0.1, 0.7, 0.25, -0.05, 0.4};
  std::vector<double> negated;
  for (double v : d) negated.push_back(-v);
  const auto a = WilcoxonSignedRank(d), b = WilcoxonSignedRank(negated);
  EXPECT_EQ(a.method, "exact");
  EXPECT_DOUBLE_EQ(a.statistic, b.statistic);
  EXPECT_DOUBLE_EQ(a.pvalue, b.pvalue);
  EXPECT_DOUBLE_EQ(a.r_plus, b.r_minus);
  EXPECT_THROW(WilcoxonSignedRank({1.0}, {1.0, 2.0}), InternalError);
  EXPECT_TRUE(std::isnan(WilcoxonSignedRank(std::vector<double>{}).pvalue));
}

TEST(McNemar, CountsDiscordantPairs) {
  const std::vector<bool> a = {true, true, false, false, true, true};
  const std::vector<bool> b = {true, false, true, false, false, false};
  const auto r = McNemar(a, b);
  EXPECT_EQ(r.b, 3);
  EXPECT_EQ(r.c, 1);
  EXPECT_DOUBLE_EQ(r.statistic, 1);
  EXPECT_DOUBLE_EQ(r.pvalue, 2 * BinomialHalfCdf(1, 4));
}

TEST(Holm, NanIsLeftOutOfTheFamily) {
  const auto r = HolmCorrection({0.01, std::nan(""), 0.04});
  EXPECT_DOUBLE_EQ(r.adjusted[0], 0.02);
  EXPECT_TRUE(std::isnan(r.adjusted[1]));
  EXPECT_FALSE(r.reject[1]);
  EXPECT_DOUBLE_EQ(r.adjusted[2], 0.04);
  EXPECT_THROW(HolmCorrection({1.5}), InternalError);
}

TEST(Bootstrap, SameSeedSameIntervalOtherSeedOtherInterval) {
  std::vector<double> data(200);
  std::mt19937 gen(3);
  for (auto& v : data) v = std::normal_distribution<double>(0, 1)(gen);
  auto mean = [&](const StratifiedSample& s) {
    double sum = 0;
    for (uint32_t k : s[0]) sum += data[k];
    return std::vector<double>{sum / s[0].size()};
  };
  BootstrapOptions o;
  o.replicates = 500;
  const auto a = StratifiedBootstrap({200}, mean, o)[0];
  const auto b = StratifiedBootstrap({200}, mean, o)[0];
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  o.seed = 1;
  const auto c = StratifiedBootstrap({200}, mean, o)[0];
  EXPECT_NE(a.low, c.low);
  EXPECT_LT(a.low, a.estimate);
  EXPECT_GT(a.high, a.estimate);
  // The standard error of a mean of 200 N(0,1) is 0.0707: the 95 % interval is about 0.28 wide.
  EXPECT_NEAR(a.high - a.low, 2 * 1.96 * 0.0707, 0.04);
  o.replicates = 0;
  EXPECT_THROW(StratifiedBootstrap({200}, mean, o), InternalError);
}

TEST(Bootstrap, BoundedDrawIsUniform) {
  std::mt19937_64 rng(5);
  auto next = [](void* s) { return (*static_cast<std::mt19937_64*>(s))(); };
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[BoundedDraw(next, &rng, 7)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);  // 4 standard deviations
}

TEST(Calibration, PerfectlyCalibratedBinsHaveNoGap) {
  // Two items at confidence 0.5, one right: accuracy 0.5 = confidence.
  const auto m = ComputeCalibration({0.5, 0.5, 0.5, 0.5}, {0, 1}, 2);
  EXPECT_DOUBLE_EQ(m.ece, 0.0);
  EXPECT_DOUBLE_EQ(m.brier, 0.5);
  EXPECT_NEAR(m.nll, std::log(2.0), 1e-15);
  EXPECT_THROW(ComputeCalibration({0.5, 0.5}, {2}, 2), InternalError);
  EXPECT_THROW(ComputeCalibration({0.5, 0.5, 0.1}, {0}, 2), InternalError);
}

}  // namespace
}  // namespace merhan::stats
