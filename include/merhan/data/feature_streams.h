// The cached feature streams of a corpus (docs/design.md, "Feature streams"): each
// stream has a kind (StreamKind), the config JSON its features depend on (the cache
// key), the dtype of its matrices and an extractor. Training fills FeatureCaches with
// them; `merhan eval`/`predict` call the same extractors on new inputs, and both
// paths pad through one Collate (data/collate.h).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "merhan/audio/audio_options.h"
#include "merhan/audio/mfcc_options.h"
#include "merhan/data/corpus.h"
#include "merhan/data/feature_cache.h"
#include "merhan/data/feature_stream.h"
#include "merhan/data/precomputed_stream.h"
#include "merhan/data/stream_kind.h"
#include "merhan/nn/model_options.h"
#include "merhan/text/text_options.h"

namespace merhan {

// The stream of `kind` with the options it depends on:
//   kMfcc           LoadAudio + Mfcc + CMVN (audio, mfcc)
//   kEncoderHidden  the frozen text encoder's last hidden state (text)
//   kTokenIds       the tokenizer's ids, one column, int32: the input of a text
//                   encoder fine-tuned inside the model (text.trainable_layers > 0)
// UsageError naming the key when an option it needs is missing.
FeatureStream MakeFeatureStream(StreamKind kind, const AudioOptions& audio, const MfccOptions& mfcc,
                                const TextOptions& text);

// The streams a model reads, from the config alone (ModelOptions::Inputs): MFCC for
// "audio"; token ids when the encoder is fine-tuned, else its hidden states, for
// "text"; any other name is a precomputed stream of data.streams.
StreamSet RequiredStreams(const ModelOptions& model, const TextOptions& text);

class Mfcc;
struct TextEncoder;
class Tokenizer;

// The per-utterance extractors behind the streams.
FeatureMatrix ExtractMfcc(const std::string& wav_path, const AudioOptions& audio, const Mfcc& mfcc);
// DataError for an empty transcript.
FeatureMatrix ExtractTextFeatures(const std::string& text, const TextEncoder& encoder, int max_length);
FeatureMatrix ExtractTokens(const std::string& text, const Tokenizer& tokenizer, int max_length);

// One requested stream's cache.
struct StreamCache {
  StreamKind kind = StreamKind::kMfcc;
  std::string name;  // StreamKindName(kind) or the precomputed stream's name
  std::unique_ptr<FeatureCache> cache;
  FeatureCacheStats stats;
};

// A corpus's caches, one per requested stream: computed kinds in enum order, then
// precomputed streams in the order requested.
struct CorpusFeatures {
  std::vector<StreamCache> streams;
  // The cache of a computed `kind` / of precomputed stream `name`; nullptr when not requested.
  const FeatureCache* Find(StreamKind kind) const;
  const FeatureCache* FindPrecomputed(const std::string& name) const;
};

struct EnsureOptions {
  bool progress = true;  // a progress bar on a terminal
  // false: missing features are a DataError (eval of a cached corpus).
  bool compute = true;
};

// Opens the caches of `streams` under data.cache_dir and computes (or, for precomputed
// streams declared in data.streams, reads) what is missing or stale (data.cache_threads
// workers). UsageError for a precomputed stream that data.streams does not declare.
CorpusFeatures EnsureCorpusFeatures(const Corpus& corpus, const DataOptions& data, const AudioOptions& audio,
                                    const MfccOptions& mfcc, const TextOptions& text, const StreamSet& streams,
                                    const EnsureOptions& options = {});

}  // namespace merhan
