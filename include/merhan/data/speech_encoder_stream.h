// A feature stream computed by a self-supervised speech encoder (wav2vec 2.0, HuBERT,
// WavLM, data2vec-audio; src/speech) from each utterance's wav, declared under
// data.streams with "format": "speech-encoder" (docs/speech_encoders.md):
//
//   "data": {"streams": {"wavlm": {"format": "speech-encoder",
//                                  "model_dir": "models/wavlm-base-plus",
//                                  "layers": "all", "dtype": "float16"}}}
//
// One cached matrix per utterance: frames x (layers * hidden), each row the kept
// hidden states of one frame side by side in the order of `layers`; the model reading
// the stream learns a weighted sum of them (nn/layer_mix.h). Every utterance runs
// alone: a group-norm front end normalises over padding (docs/design.md T11), and
// one path for every encoder is simpler than two kept equal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/feature_stream.h"
#include "merhan/data/precomputed_stream_spec.h"
#include "merhan/data/utterance.h"

namespace merhan {

// What a speech-encoder stream holds, resolved against the encoder's config.json.
struct SpeechStreamLayout {
  std::string model_dir;      // absolute
  std::vector<int> layers;    // hidden_states indices the model reads, ascending
  // What the cache holds: `layers` unless top layers train (trainable_layers = n):
  // then the kept indices below L - n and L - n itself, the top layers' input.
  std::vector<int> cached;
  int trainable_layers = 0;
  int64_t hidden_size = 0;    // per layer
  double frames_per_second = 0;  // sampling rate / product of the conv strides (50 for every published model)
  SpeechStorage storage = SpeechStorage::kFloat16;
  // Features per cached row: cached states x hidden size.
  int64_t RowDim() const { return static_cast<int64_t>(cached.size()) * hidden_size; }
  // Cache bytes per hour of audio: frames x RowDim x the storage's bytes.
  double BytesPerHour() const;
};

// UsageError naming data.streams.<name>.layers for an index past the encoder's last
// hidden state, or .dim when it differs from the hidden size; DataError for a missing
// or unsupported model directory (naming the file and field).
SpeechStreamLayout ResolveSpeechStream(const PrecomputedStreamSpec& spec);

// Sizes and content hashes of the files the encoder's output depends on (config.json,
// preprocessor_config.json, the weights): the cache key holds it, so new weights in
// the same directory select a new cache.
nlohmann::json SpeechEncoderFingerprint(const std::string& model_dir);

// The stream (kind kPrecomputed under its declared name, input the wav, storage
// dtype per spec); the encoder loads on the first utterance computed, so a warm
// cache never loads it. Before writing, the cache's free-space check refuses
// (CheckSpeechCacheSpace) a build that would not fit.
FeatureStream SpeechEncoderFeatureStream(const PrecomputedStreamSpec& spec);

// The bytes a new cache generation of `layout` needs: `kept_bytes` of entries it
// keeps plus `utterances` (their durations from the audio headers) to compute.
// UsageError (exit 2: the config asks for more than the disk holds) naming `dir`, the
// estimate, the hours of audio and the per-hour cost when that exceeds
// `available_bytes` (the free space there).
void CheckSpeechCacheSpace(const SpeechStreamLayout& layout, const std::vector<const Utterance*>& utterances,
                           int64_t kept_bytes, const std::string& dir, int64_t available_bytes);

}  // namespace merhan
