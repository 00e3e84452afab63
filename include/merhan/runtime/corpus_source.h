// A corpus with its cached features, and its splits as batch sources: what the
// cross-validation plan (experiment/fold_plan.h), `merhan eval` on a fold's test
// split and `eval --manifest` all read through, so that the three see the same
// features and the same batches.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/batcher.h"
#include "merhan/data/corpus.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/folds.h"
#include "merhan/nn/model_dims.h"
#include "merhan/runtime/batch_source.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/runtime/stream_standardization.h"

namespace merhan {

// A corpus with its feature caches, shared by every fold's sources.
struct CorpusData {
  Corpus corpus;
  CorpusFeatures features;
  std::unordered_map<std::string, std::string> speaker_of;  // utterance id -> speaker

  std::vector<std::string> SpeakersOf(const std::vector<std::string>& ids) const;
};

// Reads the corpus of `config.data` and computes (or finds cached) every stream the
// model reads. `before_features` runs on the corpus before any feature is computed,
// so that a protocol that cannot apply fails in seconds, not after an hour of
// extraction. DataError when the corpus has no labelled utterance.
std::shared_ptr<CorpusData> LoadCorpusData(const ExperimentConfig& config,
                                           const std::function<void(const Corpus&)>& before_features = {});

// The model's input sizes read off the cached features (and the text encoder's
// config.json when the encoder runs inside the model).
ModelDims DimsOf(const CorpusData& data, const ExperimentConfig& config);

// MER-HAN's branches read sequences; a precomputed stream with one row for every
// utterance (pooled vectors) is a UsageError naming its model.streams entry.
void CheckBranchStreamsAreSequences(const CorpusData& data, const ModelOptions& model);

// How a split is batched: training splits shuffle by (seed, epoch), evaluation
// splits keep a fixed length-sorted order.
enum class BatchOrder { kShuffled, kFixed };
BatcherOptions BatcherOptionsFor(const ExperimentConfig& config, BatchOrder order, uint64_t seed = 0);

// The utterances `indices` of `data` as a BatchSource over the cached features,
// standardised per speaker by `standardization` when it is not null.
std::shared_ptr<BatchSource> MakeCorpusSource(std::shared_ptr<CorpusData> data, std::vector<int64_t> indices,
                                              const BatcherOptions& options, Standardization standardization);

// One fold's three splits, standardised with statistics fitted inside the fold.
struct FoldSources {
  std::shared_ptr<BatchSource> train;  // shuffled by (seed, epoch)
  std::shared_ptr<BatchSource> val;
  std::shared_ptr<BatchSource> test;
  nlohmann::json stream_normalization;  // as CheckpointMeta::stream_normalization records it
};
// Asserts the fold speaker-disjoint (again, right before use) and builds its
// sources; `normalized` = SpeakerNormalizedStreams(config).
FoldSources MakeFoldSources(const std::shared_ptr<CorpusData>& data, const Fold& fold, const ExperimentConfig& config,
                            int seed, const std::vector<PrecomputedStreamSpec>& normalized);

// An evaluation source (fixed order) over the utterances of a manifest, with
// the features `config` describes; labels mapped onto `classes` (-1 when a row
// has none). DataError naming the manifest (and line) on bad rows. Streams
// standardised per speaker use `stream_normalization` (the checkpoint's
// CheckpointMeta::stream_normalization) for normalize=speaker, and the manifest's
// own speakers for normalize=speaker-transductive.
std::shared_ptr<BatchSource> MakeManifestSource(const ExperimentConfig& config, const std::vector<std::string>& classes,
                                                const std::string& manifest,
                                                const nlohmann::json& stream_normalization = nullptr);

}  // namespace merhan
