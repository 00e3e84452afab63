#include "merhan/results/metric_bootstrap.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "merhan/runtime/metrics.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

AlignedRuns AlignedRuns::Align(const std::vector<std::vector<FoldSeedPredictions>>& runs,
                               const std::vector<std::string>& names, std::string* error) {
  AlignedRuns a;
  error->clear();
  std::map<int, size_t> stratum_of;
  std::vector<std::unordered_map<std::string, uint32_t>> canonical;  // per stratum: id -> index
  std::vector<std::string> origin;                                   // per stratum: which file fixed the order
  for (size_t r = 0; r < runs.size(); ++r) {
    std::vector<Part> parts;
    for (const auto& p : runs[r]) {
      if (a.num_classes_ == 0) a.num_classes_ = p.num_classes;
      if (p.num_classes != a.num_classes_) {
        *error = Cat(p.path, ": ", p.num_classes, " classes, but ", a.num_classes_, " elsewhere");
        return {};
      }
      auto it = stratum_of.find(p.fold);
      if (it == stratum_of.end()) {
        it = stratum_of.emplace(p.fold, a.folds_.size()).first;
        a.folds_.push_back(p.fold);
        a.fold_sizes_.push_back(static_cast<uint32_t>(p.size()));
        std::unordered_map<std::string, uint32_t> ids;
        for (size_t k = 0; k < p.size(); ++k) {
          if (!ids.emplace(p.ids[k], static_cast<uint32_t>(k)).second) {
            *error = Cat(p.path, ": utterance ", p.ids[k], " appears twice");
            return {};
          }
        }
        canonical.push_back(std::move(ids));
        origin.push_back(p.path);
      }
      const size_t s = it->second;
      Part part;
      part.fold = p.fold;
      part.seed = p.seed;
      part.stratum = s;
      part.data = &p;
      const std::string who = r < names.size() ? names[r] : p.path;
      if (p.size() != a.fold_sizes_[s]) {
        *error = Cat(who, " fold ", p.fold, " seed ", p.seed, " tested ", p.size(), " utterances, but ", origin[s],
                     " has ", a.fold_sizes_[s],
                     ": the runs did not test the same utterances (different corpora or data "
                     "settings?)");
        return {};
      }
      part.row_of.assign(p.size(), UINT32_MAX);
      for (size_t row = 0; row < p.size(); ++row) {
        const auto found = canonical[s].find(p.ids[row]);
        if (found == canonical[s].end() || part.row_of[found->second] != UINT32_MAX) {
          *error = Cat(who, " fold ", p.fold, " seed ", p.seed, ": utterance ", p.ids[row], " is not in ", origin[s],
                       ": the runs did not test the same utterances (different corpora or data settings?)");
          return {};
        }
        part.row_of[found->second] = static_cast<uint32_t>(row);
      }
      parts.push_back(std::move(part));
    }
    a.runs_.push_back(std::move(parts));
  }
  return a;
}

MetricTriple AlignedRuns::PartMetrics(const Part& part, const stats::StratifiedSample* sample) const {
  ConfusionMatrix cm(num_classes_);
  const auto& d = *part.data;
  if (sample) {
    for (uint32_t k : (*sample)[part.stratum]) {
      const uint32_t row = part.row_of[k];
      cm.Add(d.truth[row], d.predicted[row]);
    }
  } else {
    for (size_t row = 0; row < d.size(); ++row) cm.Add(d.truth[row], d.predicted[row]);
  }
  const ClassificationMetrics m = ComputeMetrics(cm);
  return {m.war, m.uar, m.macro_f1};
}

std::array<stats::Interval, 3> BootstrapRunMetrics(const std::vector<FoldSeedPredictions>& predictions,
                                                   const stats::BootstrapOptions& options) {
  std::vector<std::vector<FoldSeedPredictions>> runs = {predictions};
  std::string error;
  const AlignedRuns aligned = AlignedRuns::Align(runs, {}, &error);
  if (!error.empty()) throw DataError(error);
  if (aligned.runs().empty() || aligned.runs()[0].empty()) throw InternalError("BootstrapRunMetrics: no predictions");
  const auto& parts = aligned.runs()[0];
  auto statistic = [&](const stats::StratifiedSample& sample) {
    std::vector<double> mean(3, 0.0);
    for (const auto& part : parts) {
      const MetricTriple m = aligned.PartMetrics(part, &sample);
      for (int k = 0; k < 3; ++k) mean[k] += m[k] / static_cast<double>(parts.size());
    }
    return mean;
  };
  const auto intervals = stats::StratifiedBootstrap(aligned.fold_sizes(), statistic, options);
  return {intervals[0], intervals[1], intervals[2]};
}

}  // namespace merhan
