// Per-test-corpus results of a multi-corpus run: each (fold, seed)'s predictions
// restricted to one corpus's ids ("<name>/..."), metrics as if that corpus had been
// tested alone (same function, same intervals), mean and sample std over seeds.
#include <gtest/gtest.h>

#include <cmath>

#include "merhan/results/metric_bootstrap.h"
#include "merhan/results/test_corpora.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

FoldSeedPredictions Predictions(int seed, const std::vector<std::string>& ids, const std::vector<int64_t>& truth,
                                const std::vector<int64_t>& predicted) {
  FoldSeedPredictions p;
  p.seed = seed;
  p.path = "seed-" + std::to_string(seed);
  p.ids = ids;
  p.truth = truth;
  p.predicted = predicted;
  p.num_classes = 2;
  for (int64_t c : predicted) {
    p.probabilities.push_back(c == 0 ? 0.8 : 0.2);
    p.probabilities.push_back(c == 0 ? 0.2 : 0.8);
  }
  return p;
}

TEST(TestCorpora, EachCorpusAsIfTestedAlone) {
  const std::vector<std::string> ids = {"a/1", "b/1", "a/2", "b/2", "a/3", "a/4"};
  const std::vector<int64_t> truth = {0, 1, 1, 0, 0, 1};
  // seed 1: a right 3 of 4 (1, 2, 3), b right 2 of 2; seed 2: a right 2 of 4, b 0 of 2.
  const std::vector<FoldSeedPredictions> runs = {Predictions(1, ids, truth, {0, 1, 1, 0, 0, 0}),
                                                 Predictions(2, ids, truth, {1, 0, 1, 1, 0, 0})};
  stats::BootstrapOptions options;
  options.replicates = 200;
  options.seed = 7;
  const auto results = SummariseTestCorpora(runs, {"a", "b"}, options);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].name, "a");
  EXPECT_EQ(results[0].utterances, 4);
  EXPECT_DOUBLE_EQ(results[0].per_run[0][0], 0.75);
  EXPECT_DOUBLE_EQ(results[0].per_run[1][0], 0.5);
  EXPECT_DOUBLE_EQ(results[0].mean[0], 0.625);
  EXPECT_NEAR(results[0].std[0], std::sqrt(2 * 0.125 * 0.125), 1e-15);  // sample std of {0.75, 0.5}
  EXPECT_DOUBLE_EQ(results[1].mean[0], 0.5);
  // The intervals are those of the corpus's own predictions.
  const std::vector<FoldSeedPredictions> b_alone = {Predictions(1, {"b/1", "b/2"}, {1, 0}, {1, 0}),
                                                    Predictions(2, {"b/1", "b/2"}, {1, 0}, {0, 1})};
  const auto alone = BootstrapRunMetrics(b_alone, options);
  ASSERT_EQ(results[1].intervals.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(results[1].intervals[k].low, alone[k].low);
    EXPECT_DOUBLE_EQ(results[1].intervals[k].high, alone[k].high);
  }
  const std::string table = TestCorporaMarkdown(results, 0.95);
  EXPECT_NE(table.find("### Test corpus a (4 utterances, 2 runs)"), std::string::npos) << table;
  EXPECT_NE(table.find("| WAR | 62.50 ± 17.68 |"), std::string::npos) << table;
  EXPECT_THROW(SummariseTestCorpora(runs, {"c"}, options), DataError);
}

}  // namespace
}  // namespace merhan
