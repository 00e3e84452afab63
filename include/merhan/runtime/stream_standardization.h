// Per-speaker standardisation of precomputed streams as a run applies it
// (data.streams.<name>.normalize; data/speaker_standardization.h computes the
// statistics): which streams, fitted on which utterances, recorded how.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/precomputed_stream_spec.h"
#include "merhan/data/speaker_standardization.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

struct CorpusData;

// The per-speaker statistics batches are standardised with (null: none).
using Standardization = std::shared_ptr<const std::vector<SpeakerStatistics>>;

// The precomputed streams the model reads that data.streams standardises per speaker.
std::vector<PrecomputedStreamSpec> SpeakerNormalizedStreams(const ExperimentConfig& config);

// Each stream of `specs` fitted for a fold whose training utterances are `train`
// (FitSpeakerStatistics), or, for normalize=speaker with `stored` given, a
// checkpoint's statistics (new data has no training speakers to fit on).
Standardization FitStandardization(const CorpusData& data, const std::vector<PrecomputedStreamSpec>& specs,
                                   const std::vector<int64_t>& train, const nlohmann::json* stored = nullptr);

// The statistics as CheckpointMeta::stream_normalization records them (null: none).
nlohmann::json StandardizationJson(const Standardization& stats);

// Logs that speaker-transductive streams make the results transductive.
void WarnTransductive(const std::vector<PrecomputedStreamSpec>& specs);

}  // namespace merhan
