// The statistics layer against its references. Fixture: scripts/ref_stats.py
// (scipy 1.17.1 scipy.stats.wilcoxon, statsmodels 0.15.0 mcnemar and
// multipletests(method='holm'), numpy for ECE/NLL/Brier and percentiles, and a
// numpy stratified bootstrap with 200,000 replicates).
//
// Tolerances:
//   Wilcoxon statistic          1e-9 absolute (rank sums of halves: exact in double)
//   Wilcoxon p-value            1e-12 absolute, and 1e-9 relative for p < 1e-3
//   McNemar statistic / p       1e-12 absolute, and 1e-9 relative (binomial tails in
//                               log space; scipy uses the regularised incomplete beta)
//   Holm adjusted p             1e-15 absolute; reject decisions equal
//   ECE, NLL, Brier, bins       1e-12 absolute; bin counts equal
//   percentile                  1e-12 absolute
//   bootstrap interval ends     0.004 absolute: a Monte Carlo comparison (20,000 of
//                               our replicates against numpy's 200,000; the standard
//                               error of each 2.5 %/97.5 % end is about 0.0005 here)
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "merhan/stats/bootstrap.h"
#include "merhan/stats/calibration.h"
#include "merhan/stats/holm.h"
#include "merhan/stats/mcnemar.h"
#include "merhan/stats/percentile.h"
#include "merhan/stats/wilcoxon.h"
#include "test_util.h"

namespace merhan::stats {
namespace {

nlohmann::json LoadFixture() {
  const std::string path = testing::FixtureDir() + "/stats/stats_reference.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path << " (make it with scripts/ref_stats.py)";
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

const nlohmann::json& Fixture() {
  static const nlohmann::json fixture = LoadFixture();
  return fixture;
}

double OrNan(const nlohmann::json& v) {
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

// |a - b| <= abs_tol, or within rel_tol of b; NaN only equals NaN.
::testing::AssertionResult Close(double a, double b, double abs_tol, double rel_tol = 0) {
  if (std::isnan(a) || std::isnan(b)) {
    if (std::isnan(a) && std::isnan(b)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << a << " vs " << b;
  }
  const double err = std::fabs(a - b);
  if (err <= abs_tol || (rel_tol > 0 && err <= rel_tol * std::fabs(b))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (error " << err << ")";
}

TEST(StatsParity, WilcoxonMatchesScipy) {
  const auto& cases = Fixture()["wilcoxon"];
  ASSERT_GE(cases.size(), 15u);
  double worst_p = 0;
  std::set<std::string> methods;
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto r = WilcoxonSignedRank(c["d"].get<std::vector<double>>());
    methods.insert(r.method);
    EXPECT_TRUE(Close(r.statistic, OrNan(c["statistic"]), 1e-9));
    const double p = OrNan(c["pvalue"]);
    EXPECT_TRUE(Close(r.pvalue, p, p < 1e-3 ? 0 : 1e-12, 1e-9)) << "method " << r.method;
    if (!std::isnan(p)) worst_p = std::max(worst_p, std::fabs(r.pvalue - p));
  }
  EXPECT_EQ(methods, (std::set<std::string>{"exact", "permutation", "normal"}));
  std::cout << "[ parity ] Wilcoxon vs scipy: max |p error| " << worst_p << "\n";
}

TEST(StatsParity, McNemarMatchesStatsmodels) {
  const auto& cases = Fixture()["mcnemar"];
  ASSERT_GE(cases.size(), 8u);
  double worst = 0;
  for (const auto& c : cases) {
    const int64_t b = c["b"], k = c["c"];
    SCOPED_TRACE(::testing::Message() << "b=" << b << " c=" << k);
    const auto exact = McNemar(b, k, McNemarForm::kExact);
    EXPECT_TRUE(Close(exact.statistic, OrNan(c["exact"]["statistic"]), 1e-12));
    EXPECT_TRUE(Close(exact.pvalue, OrNan(c["exact"]["pvalue"]), 1e-12, 1e-9));
    worst = std::max(worst, std::fabs(exact.pvalue - OrNan(c["exact"]["pvalue"])));
    if (b + k == 0) {
      // Documented difference: statsmodels divides by zero here; we say NaN.
      EXPECT_TRUE(std::isnan(McNemar(b, k, McNemarForm::kChiSquareCorrected).pvalue));
      continue;
    }
    for (const auto& [key, form] :
         {std::pair<std::string, McNemarForm>{"chi2_corrected", McNemarForm::kChiSquareCorrected},
          {"chi2_uncorrected", McNemarForm::kChiSquare}}) {
      const auto r = McNemar(b, k, form);
      EXPECT_TRUE(Close(r.statistic, OrNan(c[key]["statistic"]), 1e-12, 1e-12)) << key;
      EXPECT_TRUE(Close(r.pvalue, OrNan(c[key]["pvalue"]), 1e-12, 1e-9)) << key;
      worst = std::max(worst, std::fabs(r.pvalue - OrNan(c[key]["pvalue"])));
    }
  }
  std::cout << "[ parity ] McNemar vs statsmodels: max |p error| " << worst << "\n";
}

TEST(StatsParity, HolmMatchesStatsmodels) {
  const auto& cases = Fixture()["holm"];
  ASSERT_GE(cases.size(), 10u);
  double worst = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto r = HolmCorrection(c["p"].get<std::vector<double>>(), c["alpha"].get<double>());
    const auto adjusted = c["adjusted"].get<std::vector<double>>();
    const auto reject = c["reject"].get<std::vector<bool>>();
    ASSERT_EQ(r.adjusted.size(), adjusted.size());
    for (size_t i = 0; i < adjusted.size(); ++i) {
      EXPECT_TRUE(Close(r.adjusted[i], adjusted[i], 1e-15)) << i;
      EXPECT_EQ(r.reject[i], reject[i]) << i;
      worst = std::max(worst, std::fabs(r.adjusted[i] - adjusted[i]));
    }
  }
  std::cout << "[ parity ] Holm vs statsmodels: max |adjusted p error| " << worst << "\n";
}

TEST(StatsParity, CalibrationMatchesNumpy) {
  const auto& cases = Fixture()["calibration"];
  ASSERT_GE(cases.size(), 5u);
  double worst[3] = {0, 0, 0};
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto m = ComputeCalibration(c["probabilities"].get<std::vector<double>>(),
                                      c["labels"].get<std::vector<int64_t>>(), c["num_classes"].get<int>());
    EXPECT_TRUE(Close(m.ece, c["ece"].get<double>(), 1e-12));
    EXPECT_TRUE(Close(m.nll, c["nll"].get<double>(), 1e-12));
    EXPECT_TRUE(Close(m.brier, c["brier"].get<double>(), 1e-12));
    worst[0] = std::max(worst[0], std::fabs(m.ece - c["ece"].get<double>()));
    worst[1] = std::max(worst[1], std::fabs(m.nll - c["nll"].get<double>()));
    worst[2] = std::max(worst[2], std::fabs(m.brier - c["brier"].get<double>()));
    ASSERT_EQ(m.bins.size(), 15u);
    for (size_t b = 0; b < 15; ++b) {
      EXPECT_EQ(m.bins[b].count, c["bin_counts"][b].get<int64_t>()) << "bin " << b;
      EXPECT_TRUE(Close(m.bins[b].accuracy, c["bin_accuracy"][b].get<double>(), 1e-12)) << "bin " << b;
      EXPECT_TRUE(Close(m.bins[b].confidence, c["bin_confidence"][b].get<double>(), 1e-12)) << "bin " << b;
    }
  }
  std::cout << "[ parity ] calibration vs numpy: max |error| ECE " << worst[0] << ", NLL " << worst[1] << ", Brier "
            << worst[2] << "\n";
}

TEST(StatsParity, PercentileMatchesNumpy) {
  for (const auto& c : Fixture()["percentile"]) {
    const auto values = c["values"].get<std::vector<double>>();
    const auto qs = c["q"].get<std::vector<double>>();
    for (size_t i = 0; i < qs.size(); ++i) {
      EXPECT_TRUE(Close(Percentile(values, qs[i]), c["expected"][i].get<double>(), 1e-12))
          << "n=" << values.size() << " q=" << qs[i];
    }
  }
}

TEST(StatsParity, StratifiedBootstrapAgreesWithNumpyMonteCarlo) {
  const auto& c = Fixture()["bootstrap"];
  std::vector<std::vector<double>> strata;
  for (const auto& s : c["strata"]) strata.push_back(s.get<std::vector<double>>());
  std::vector<uint32_t> sizes;
  for (const auto& s : strata) sizes.push_back(static_cast<uint32_t>(s.size()));
  auto statistic = [&](const StratifiedSample& sample) {
    double total = 0;
    for (size_t s = 0; s < strata.size(); ++s) {
      double sum = 0;
      for (uint32_t k : sample[s]) sum += strata[s][k];
      total += sum / static_cast<double>(sample[s].size());
    }
    return std::vector<double>{total / static_cast<double>(strata.size())};
  };
  BootstrapOptions options;
  options.replicates = 20000;
  options.seed = 7;
  const auto interval = StratifiedBootstrap(sizes, statistic, options)[0];
  EXPECT_NEAR(interval.estimate, c["estimate"].get<double>(), 1e-12);
  EXPECT_NEAR(interval.low, c["low"].get<double>(), 0.004);
  EXPECT_NEAR(interval.high, c["high"].get<double>(), 0.004);
  std::cout << "[ parity ] bootstrap vs numpy: low " << interval.low << " / " << c["low"].get<double>() << ", high "
            << interval.high << " / " << c["high"].get<double>() << "\n";
}

}  // namespace
}  // namespace merhan::stats
