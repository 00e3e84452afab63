// Opens every audio file's header of a corpus (audio/audio_probe.h) before any feature
// is computed: total duration, rates and channel counts, so that unreadable or missing
// media are found and named here (`merhan corpus`), not an hour into feature extraction.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/corpus.h"

namespace merhan {

struct CorpusAudit {
  double seconds = 0.0;                   // sum of the headers' durations
  std::map<int, int> files_per_rate;      // sample rate -> files
  std::map<int, int> files_per_channels;  // channel count -> files
  nlohmann::json ToJson() const;
};

// Throws one DataError listing "<label file:line or file>: <id>: <wav>: why" for every
// utterance whose audio is missing or unreadable (the first 20 of them).
CorpusAudit AuditAudio(const Corpus& corpus);

}  // namespace merhan
