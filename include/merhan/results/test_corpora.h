// One result per test corpus of a multi-corpus run (data.corpora): each (fold, seed)'s
// test predictions restricted to one corpus's utterances (ids "<name>/...",
// data/corpus_entry.h), their WAR, UAR and macro-F1, and bootstrap intervals of the
// mean as results/metric_bootstrap.h computes them for the whole run.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/results/metric_bootstrap.h"
#include "merhan/results/run_predictions.h"
#include "merhan/stats/bootstrap.h"

namespace merhan {

struct TestCorpusResult {
  std::string name;
  int64_t utterances = 0;                  // tested per (fold, seed)
  std::vector<MetricTriple> per_run;       // WAR, UAR, macro-F1 of each (fold, seed)
  MetricTriple mean{}, std{};              // over per_run; std is the sample std (n - 1), 0 for n = 1
  std::vector<stats::Interval> intervals;  // per kBootstrapMetrics; empty when options.replicates == 0

  nlohmann::json ToJson() const;
};

// The predictions of `names`' corpora, one result per name in that order. DataError
// naming a corpus none of whose utterances was tested.
std::vector<TestCorpusResult> SummariseTestCorpora(const std::vector<FoldSeedPredictions>& predictions,
                                                   const std::vector<std::string>& names,
                                                   const stats::BootstrapOptions& options);

// "### Test corpus <name>" tables (metrics in %), as summary.md shows them.
std::string TestCorporaMarkdown(const std::vector<TestCorpusResult>& results, double confidence);

}  // namespace merhan
