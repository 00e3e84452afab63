#include "merhan/data/corpus_audit.h"

#include "merhan/audio/audio_probe.h"
#include "merhan/util/error.h"

namespace merhan {

nlohmann::json CorpusAudit::ToJson() const {
  nlohmann::json rates = nlohmann::json::object(), channels = nlohmann::json::object();
  for (const auto& [rate, n] : files_per_rate) rates[std::to_string(rate)] = n;
  for (const auto& [c, n] : files_per_channels) channels[std::to_string(c)] = n;
  return {
      {"hours", seconds / 3600.0}, {"seconds", seconds}, {"files_per_rate", rates}, {"files_per_channels", channels}};
}

CorpusAudit AuditAudio(const Corpus& corpus) {
  constexpr size_t kListed = 20;
  CorpusAudit audit;
  std::vector<std::string> problems;
  for (const Utterance& u : corpus.utterances) {
    AudioHeader header;
    try {
      header = ProbeAudio(u.wav_path);
    } catch (const DataError& e) {
      problems.push_back(UtteranceLocation(u) + ": " + e.what());
      continue;
    }
    audit.seconds += header.seconds();
    ++audit.files_per_rate[header.sample_rate];
    ++audit.files_per_channels[header.channels];
  }
  if (problems.empty()) return audit;
  std::string message = problems.front();
  for (size_t i = 1; i < problems.size() && i < kListed; ++i) message += "\n  " + problems[i];
  if (problems.size() > kListed) message += "\n  ... and " + std::to_string(problems.size() - kListed) + " more";
  throw DataError(message +
                  (problems.size() > 1 ? "\n(" + std::to_string(problems.size()) + " unreadable audio files)" : ""));
}

}  // namespace merhan
