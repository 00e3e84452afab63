// The cached feature streams of a corpus: "mfcc" (audio: LoadAudio + Mfcc + CMVN)
// and "text" (the frozen text encoder's last hidden state). Each stream is its
// extractor plus the config JSON its features depend on (the cache key).
#pragma once

#include <memory>
#include <string>

#include "merhan/audio/audio_options.h"
#include "merhan/audio/mfcc_options.h"
#include "merhan/data/corpus.h"
#include "merhan/data/feature_cache.h"
#include "merhan/text/text_options.h"

namespace merhan {

struct FeatureStream {
  std::string name;         // cache stream name: "mfcc" | "text"
  CacheInput input;         // what identifies an utterance's input
  std::string config_json;  // everything the features depend on, with an extractor version
  FeatureExtractor extract;
};

FeatureStream AudioFeatureStream(const AudioOptions& audio, const MfccOptions& mfcc);
FeatureStream TextFeatureStream(const TextOptions& text);
// "tokens": the tokenizer's ids (rows = tokens, one column), the input of a text
// encoder fine-tuned inside the model (text.trainable_layers > 0).
FeatureStream TokenFeatureStream(const TextOptions& text);

class Mfcc;
struct TextEncoder;
class Tokenizer;

// The per-utterance extractors, shared with `merhan predict` so that prediction
// computes features exactly as training did.
FeatureMatrix ExtractMfcc(const std::string& wav_path, const AudioOptions& audio, const Mfcc& mfcc);
// DataError for an empty transcript.
FeatureMatrix ExtractTextFeatures(const std::string& text, const TextEncoder& encoder, int max_length);
FeatureMatrix ExtractTokens(const std::string& text, const Tokenizer& tokenizer, int max_length);

struct CorpusFeatures {
  std::unique_ptr<FeatureCache> audio;  // "mfcc"
  std::unique_ptr<FeatureCache> text;   // "text" (frozen encoder)
  std::unique_ptr<FeatureCache> tokens; // "tokens" (fine-tuned encoder), instead of text
  FeatureCacheStats audio_stats, text_stats;
};

// Opens the caches under data.cache_dir and computes what is missing or stale
// (data.cache_threads workers; a progress bar on a terminal when `progress`).
// With compute = false, missing features are a DataError (eval of a cached corpus).
CorpusFeatures EnsureCorpusFeatures(const Corpus& corpus, const DataOptions& data, const AudioOptions& audio,
                                    const MfccOptions& mfcc, const TextOptions& text, bool progress = true,
                                    bool compute = true, bool need_audio = true, bool need_text = true);

}  // namespace merhan
