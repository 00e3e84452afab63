// Per-speaker standardisation of precomputed streams (data.streams.<name>.normalize;
// docs/design.md, "Feature streams"). Speakers differ in level and spread of their
// features (voice, recording set-up); standardising each speaker's features removes
// that before the model sees them.
//
//   speaker               statistics of each training speaker's own utterances for that
//                         speaker; every other speaker (validation, test, a manifest's
//                         new speakers) gets the pooled statistics of the training
//                         speakers. Nothing of a held-out speaker is read.
//   speaker-transductive  every speaker, held-out ones included, with its own
//                         statistics: held-out speakers' unlabelled features shape their
//                         inputs (what seed 004 did), so results are transductive.
//
// Statistics are per feature over rows (frames of a 2-D stream, or one row per pooled
// vector), fitted inside each fold; labels are never read. The cache keeps the features
// as they are in the files: standardisation applies to batches.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/feature_cache.h"
#include "merhan/data/precomputed_stream.h"
#include "merhan/data/utterance.h"
#include "merhan/nn/batch.h"

namespace merhan {

// Per-feature mean and population standard deviation (ddof 0) over `rows` rows; a
// feature with std < 1e-8 gets std 1 (as early fusion's standardisation does).
struct FeatureMoments {
  std::vector<double> mean, std;
  int64_t rows = 0;
};

// One stream's statistics for one fold.
struct SpeakerStatistics {
  std::string stream;
  StreamNormalization mode = StreamNormalization::kNone;
  std::map<std::string, FeatureMoments> speakers;  // speakers standardised with their own statistics
  FeatureMoments pooled;                           // over every row fitted: the statistics of any other speaker

  const FeatureMoments& For(const std::string& speaker) const;
  // kSpeaker: the statistics (a checkpoint keeps them for new data). kSpeakerTransductive:
  // the stream and mode only, since its statistics are refitted on the data evaluated.
  nlohmann::json ToJson() const;
  // DataError naming `origin` for anything ToJson does not write.
  static SpeakerStatistics FromJson(const nlohmann::json& j, const std::string& origin);
};

// One utterance's features of the stream being fitted.
using FeatureLookup = std::function<FeatureView(const Utterance&)>;

// Fits `spec`'s statistics for a fold whose training utterances are `train` (indices
// into `utterances`). normalize=speaker: each training speaker's own statistics and the
// pool of all training rows; only the training utterances' features are read.
// speaker-transductive: every speaker of `utterances` with its own statistics (the pool
// covers every row). DataError naming the stream when an utterance has another
// feature count than spec.dim or there is no row to fit.
SpeakerStatistics FitSpeakerStatistics(const PrecomputedStreamSpec& spec, const std::vector<Utterance>& utterances,
                                       const std::vector<int64_t>& train, const FeatureLookup& features);

// Standardises the streams of `stats` in `batch` in place: item b with the statistics
// of speakers[b], (x - mean) / std in float64 rounded once to float32; padding stays 0.
void StandardizeBatch(const std::vector<SpeakerStatistics>& stats, const std::vector<std::string>& speakers,
                      Batch* batch);

}  // namespace merhan
