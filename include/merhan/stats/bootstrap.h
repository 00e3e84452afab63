// Percentile bootstrap confidence intervals, stratified: items are resampled
// with replacement within each stratum (for us: the utterances of one test
// fold), each stratum keeping its size, so that every replicate has the fold
// structure of the data. The interval is the (1-c)/2 and (1+c)/2 percentiles
// of the replicate statistics (numpy's linear percentile, as
// scipy.stats.bootstrap(method='percentile')).
//
// Replicates are drawn from a 64-bit Mersenne Twister seeded with `seed` and an
// unbiased bounded draw of our own (not std::uniform_int_distribution, whose
// algorithm differs between standard libraries), so a seed gives the same
// interval everywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace merhan::stats {

struct BootstrapOptions {
  int replicates = 1000;
  uint64_t seed = 0;
  double confidence = 0.95;
};

struct Interval {
  double estimate = 0;  // the statistic on the data as given
  double low = 0;
  double high = 0;
};

// Indices into each stratum: indices[s][k] in 0..stratum_sizes[s]-1.
using StratifiedSample = std::vector<std::vector<uint32_t>>;
// Any number of statistics of one sample (e.g. WAR, UAR and macro-F1 at once).
using BootstrapStatistic = std::function<std::vector<double>(const StratifiedSample&)>;

// One interval per value `statistic` returns. The statistic is called once on
// the identity sample, then `replicates` times. Throws InternalError for
// replicates < 1, confidence outside (0, 1), or a statistic whose result
// changes length.
std::vector<Interval> StratifiedBootstrap(const std::vector<uint32_t>& stratum_sizes,
                                          const BootstrapStatistic& statistic, const BootstrapOptions& options);

// The raw replicate values, [replicate][statistic] (for tests and plots).
std::vector<std::vector<double>> BootstrapReplicates(const std::vector<uint32_t>& stratum_sizes,
                                                     const BootstrapStatistic& statistic,
                                                     const BootstrapOptions& options);

// A uniform draw in 0..bound-1 from 64 random bits, without modulo bias.
uint32_t BoundedDraw(uint64_t (*next)(void*), void* state, uint32_t bound);

}  // namespace merhan::stats
