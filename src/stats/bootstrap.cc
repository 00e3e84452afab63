#include "merhan/stats/bootstrap.h"

#include <random>

#include "merhan/stats/percentile.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::stats {
namespace {

uint64_t NextMt(void* state) { return (*static_cast<std::mt19937_64*>(state))(); }

void CheckOptions(const BootstrapOptions& options) {
  if (options.replicates < 1) throw InternalError(Cat("bootstrap: replicates must be >= 1, got ", options.replicates));
  if (!(options.confidence > 0 && options.confidence < 1)) {
    throw InternalError(Cat("bootstrap: confidence must be in (0, 1), got ", options.confidence));
  }
}

}  // namespace

uint32_t BoundedDraw(uint64_t (*next)(void*), void* state, uint32_t bound) {
  if (bound == 0) throw InternalError("BoundedDraw: empty range");
  // Reject the top partial block of 2^64 so that every residue is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound + 1) % bound;
  uint64_t r;
  do r = next(state);
  while (r > limit);
  return static_cast<uint32_t>(r % bound);
}

std::vector<std::vector<double>> BootstrapReplicates(const std::vector<uint32_t>& stratum_sizes,
                                                     const BootstrapStatistic& statistic,
                                                     const BootstrapOptions& options) {
  CheckOptions(options);
  std::mt19937_64 rng(options.seed);
  StratifiedSample sample(stratum_sizes.size());
  for (size_t s = 0; s < stratum_sizes.size(); ++s) sample[s].resize(stratum_sizes[s]);
  std::vector<std::vector<double>> out;
  out.reserve(options.replicates);
  for (int b = 0; b < options.replicates; ++b) {
    for (size_t s = 0; s < stratum_sizes.size(); ++s) {
      for (auto& index : sample[s]) index = BoundedDraw(&NextMt, &rng, stratum_sizes[s]);
    }
    out.push_back(statistic(sample));
    if (out.back().size() != out.front().size()) throw InternalError("bootstrap: the statistic changed length");
  }
  return out;
}

std::vector<Interval> StratifiedBootstrap(const std::vector<uint32_t>& stratum_sizes,
                                          const BootstrapStatistic& statistic, const BootstrapOptions& options) {
  CheckOptions(options);
  StratifiedSample identity(stratum_sizes.size());
  for (size_t s = 0; s < stratum_sizes.size(); ++s) {
    identity[s].resize(stratum_sizes[s]);
    for (uint32_t k = 0; k < stratum_sizes[s]; ++k) identity[s][k] = k;
  }
  const std::vector<double> estimate = statistic(identity);
  const auto replicates = BootstrapReplicates(stratum_sizes, statistic, options);
  std::vector<Interval> intervals(estimate.size());
  const double tail = 100 * (1 - options.confidence) / 2;
  for (size_t k = 0; k < estimate.size(); ++k) {
    std::vector<double> values;
    values.reserve(replicates.size());
    for (const auto& r : replicates) {
      if (r.size() != estimate.size()) throw InternalError("bootstrap: the statistic changed length");
      values.push_back(r[k]);
    }
    intervals[k].estimate = estimate[k];
    intervals[k].low = Percentile(values, tail);
    intervals[k].high = Percentile(values, 100 - tail);
  }
  return intervals;
}

}  // namespace merhan::stats
