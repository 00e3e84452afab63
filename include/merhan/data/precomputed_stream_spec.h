// What data.streams declares for each precomputed stream: its format, where its files
// are, its width and its normalisation, parsed and checked. Plain C++ without LibTorch,
// so that the config parsers build into the fuzz harnesses (docs/fuzzing.md); reading
// the files is data/precomputed_stream.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

enum class PrecomputedFormat { kNpy, kSafetensors };

// data.streams.<name>.normalize: per-speaker standardisation of the stream's features.
enum class StreamNormalization {
  kNone,
  // Each training speaker with its own statistics; every other speaker (validation,
  // test, new data) with the pooled statistics of the training speakers.
  kSpeaker,
  // Every speaker, test speakers included, with its own statistics: uses the test
  // speakers' (unlabelled) features, so results are transductive.
  kSpeakerTransductive,
};
// "none" | "speaker" | "speaker-transductive"
const char* StreamNormalizationName(StreamNormalization n);

struct PrecomputedStreamSpec {
  std::string name;  // [A-Za-z0-9_-]+, not one of the computed streams' names
  PrecomputedFormat format = PrecomputedFormat::kNpy;
  std::string dir;   // npy: side folder of <id>.npy files ("" = manifest column only)
  std::string file;  // safetensors: the stream's file
  int64_t dim = 0;   // features per row, checked on every read
  StreamNormalization normalize = StreamNormalization::kNone;
};

// Parses data.streams (an object of name -> spec); UsageError naming
// data.streams.<name>.<key> and what was expected.
std::vector<PrecomputedStreamSpec> ParsePrecomputedStreams(const nlohmann::json& streams);

}  // namespace merhan
