#include "merhan/runtime/stream_standardization.h"

#include <algorithm>

#include "merhan/data/feature_streams.h"
#include "merhan/runtime/corpus_source.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// A checkpoint's statistics of `stream` (CheckpointMeta::stream_normalization).
SpeakerStatistics StoredStatistics(const nlohmann::json& stored, const std::string& stream) {
  const std::string origin = "the checkpoint's stream_normalization";
  if (stored.is_array()) {
    for (const nlohmann::json& j : stored) {
      if (j.is_object() && j.value("stream", "") == stream) return SpeakerStatistics::FromJson(j, origin);
    }
  }
  throw DataError(Cat(origin, ": no speaker statistics of stream ", stream, " (data.streams.", stream,
                      ".normalize=speaker needs the training speakers' statistics)"));
}

}  // namespace

// The precomputed streams the model reads that data.streams standardises per speaker.
std::vector<PrecomputedStreamSpec> SpeakerNormalizedStreams(const ExperimentConfig& config) {
  const std::vector<std::string> read = RequiredStreams(config.model, config.text).Precomputed();
  std::vector<PrecomputedStreamSpec> out;
  for (const PrecomputedStreamSpec& spec : ParsePrecomputedStreams(config.data.streams)) {
    if (spec.normalize != StreamNormalization::kNone && std::count(read.begin(), read.end(), spec.name)) {
      out.push_back(spec);
    }
  }
  return out;
}

// Each stream of `specs` fitted for a fold whose training utterances are `train`
// (FitSpeakerStatistics), or, for normalize=speaker with `stored` given, a
// checkpoint's statistics (new data has no training speakers to fit on).
Standardization FitStandardization(const CorpusData& data, const std::vector<PrecomputedStreamSpec>& specs,
                                   const std::vector<int64_t>& train, const nlohmann::json* stored) {
  if (specs.empty()) return nullptr;
  auto stats = std::make_shared<std::vector<SpeakerStatistics>>();
  for (const PrecomputedStreamSpec& spec : specs) {
    if (spec.normalize == StreamNormalization::kSpeaker && stored) {
      stats->push_back(StoredStatistics(*stored, spec.name));
      continue;
    }
    const FeatureCache* cache = data.features.FindPrecomputed(spec.name);
    if (!cache) throw InternalError("no feature cache of standardised stream " + spec.name);
    stats->push_back(FitSpeakerStatistics(spec, data.corpus.utterances, train,
                                          [cache](const Utterance& u) { return cache->Get(u.id); }));
  }
  return stats;
}

nlohmann::json StandardizationJson(const Standardization& stats) {
  if (!stats) return nullptr;
  nlohmann::json j = nlohmann::json::array();
  for (const SpeakerStatistics& s : *stats) j.push_back(s.ToJson());
  return j;
}

void WarnTransductive(const std::vector<PrecomputedStreamSpec>& specs) {
  for (const PrecomputedStreamSpec& spec : specs) {
    if (spec.normalize != StreamNormalization::kSpeakerTransductive) continue;
    log::Warn(Cat("data.streams.", spec.name,
                  ".normalize=speaker-transductive: validation and test speakers are "
                  "standardised with statistics of their own (unlabelled) features, so the results are "
                  "transductive; normalize=speaker uses the training speakers' statistics for them"));
  }
}

}  // namespace merhan
