#include "merhan/experiment/fold_plan.h"

#include <utility>

#include "merhan/data/folds.h"
#include "merhan/runtime/corpus_source.h"
#include "merhan/runtime/stream_standardization.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

using Folds = std::shared_ptr<const std::vector<Fold>>;

// data.json and folds.md: the corpus counts and the per-fold table.
void DescribeRun(const CorpusData& data, const std::vector<Fold>& folds, const ExperimentConfig& config,
                 const std::string& run_dir) {
  const auto& u = data.corpus.utterances;
  nlohmann::json tables = {{"corpus", CountJson(data.corpus)}, {"folds", FoldTableJson(folds, u, config.data.classes)}};
  WriteStringAtomically(run_dir + "/data.json", tables.dump(2) + "\n");
  WriteStringAtomically(run_dir + "/folds.md",
                        CountTable(u, config.data.classes) + "\n" + FoldTable(folds, u, config.data.classes));
}

std::vector<int64_t> TrainClassCounts(const CorpusData& data, const Fold& fold, size_t num_classes) {
  std::vector<int64_t> counts(num_classes, 0);
  for (int64_t i : fold.train) ++counts[static_cast<size_t>(data.corpus.utterances[static_cast<size_t>(i)].label)];
  return counts;
}

// Input statistics over the training split only, computed when a model asks.
std::function<InputStatistics()> TrainingInputStatistics(const std::shared_ptr<BatchSource>& train,
                                                         const ExperimentConfig& config, const ModelDims& dims) {
  std::vector<std::pair<std::string, int64_t>> inputs;
  for (const std::string& name : config.model.Inputs()) inputs.emplace_back(name, dims.RowDimOf(name));
  return [train, inputs]() {
    InputStatisticsAccumulator acc(inputs);
    train->ForEachBatch(0, [&](const Batch& b) { acc.Add(b); });
    return acc.Finish();
  };
}

FoldData MakeFoldData(const std::shared_ptr<CorpusData>& data, const Fold& fold, const ExperimentConfig& config,
                      int seed, const std::vector<PrecomputedStreamSpec>& normalized) {
  FoldSources sources = MakeFoldSources(data, fold, config, seed, normalized);
  FoldData fd;
  fd.name = fold.name;
  fd.stream_normalization = std::move(sources.stream_normalization);
  fd.train = std::move(sources.train);
  fd.val = std::move(sources.val);
  fd.test = std::move(sources.test);
  fd.train_class_counts = TrainClassCounts(*data, fold, config.data.classes.size());
  fd.input_statistics = TrainingInputStatistics(fd.train, config, DimsOf(*data, config));
  return fd;
}

}  // namespace

CrossValidationPlan MakeCrossValidationPlan(const ExperimentConfig& config) {
  auto folds = std::make_shared<std::vector<Fold>>();
  std::shared_ptr<CorpusData> data =
      LoadCorpusData(config, [&](const Corpus& corpus) { *folds = MakeFolds(corpus.utterances, config.data); });
  const auto& utts = data->corpus.utterances;
  log::Info(
      Cat("corpus ", data->corpus.source, ": ", utts.size(), " utterances\n", CountTable(utts, config.data.classes)));
  log::Info(Cat("folds (", config.data.EffectiveProtocol(), "):\n", FoldTable(*folds, utts, config.data.classes)));
  CheckBranchStreamsAreSequences(*data, config.model);
  const std::vector<PrecomputedStreamSpec> normalized = SpeakerNormalizedStreams(config);
  WarnTransductive(normalized);

  CrossValidationPlan plan;
  plan.num_folds = static_cast<int>(folds->size());
  for (const Fold& f : *folds) plan.fold_names.push_back(f.name);
  plan.classes = config.data.classes;
  plan.dims = DimsOf(*data, config);
  plan.describe_run = [data, folds, config](const std::string& run_dir) {
    DescribeRun(*data, *folds, config, run_dir);
  };
  plan.provider = [data, folds, config, normalized](int fold_index, int seed) {
    return MakeFoldData(data, folds->at(static_cast<size_t>(fold_index)), config, seed, normalized);
  };
  return plan;
}

}  // namespace merhan
