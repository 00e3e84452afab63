// What data.streams declares for each named stream: its format, where its files are
// (or, for a speech-encoder stream, the encoder that computes it from the wav), its
// width and its normalisation, parsed and checked. Plain C++ without LibTorch, so that
// the config parsers build into the fuzz harnesses (docs/fuzzing.md); reading the files
// is data/precomputed_stream.h, running the encoder data/speech_encoder_stream.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

enum class PrecomputedFormat {
  kNpy,
  kSafetensors,
  // Computed, not read: a wav2vec 2.0 / HuBERT / WavLM / data2vec-audio encoder's
  // hidden states of each utterance's wav (data/speech_encoder_stream.h).
  kSpeechEncoder,
};

// How a speech-encoder stream stores its hidden states in the feature cache.
enum class SpeechStorage { kFloat16, kFloat32 };

// data.streams.<name> with "format": "speech-encoder":
//   {"format": "speech-encoder", "model_dir": "models/wavlm-base-plus",
//    "layers": "all" | [0, 6, 12] | "7-12", "dtype": "float16" | "float32",
//    "device": "cpu" | "cuda" | "cuda:N", "trainable_layers": 0}
struct SpeechStreamSpec {
  std::string model_dir;
  // hidden_states indices (0 = the first layer's input, L = the last layer's output),
  // ascending, no repeats; empty = all of them.
  std::vector<int> layers;
  SpeechStorage storage = SpeechStorage::kFloat16;
  std::string device = "cpu";  // where the encoder runs while the cache is built
  // The top n transformer layers train inside the model (speech/speech_tuned_model.h):
  // the cache then holds the kept states below layer L - n and hidden_states[L - n].
  int trainable_layers = 0;
};

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
  int64_t dim = 0;   // features per row, checked on every read (speech-encoder: 0 = the encoder's hidden size)
  StreamNormalization normalize = StreamNormalization::kNone;
  SpeechStreamSpec speech;  // format kSpeechEncoder only
};

// Parses data.streams (an object of name -> spec); UsageError naming
// data.streams.<name>.<key> and what was expected.
std::vector<PrecomputedStreamSpec> ParsePrecomputedStreams(const nlohmann::json& streams);

}  // namespace merhan
