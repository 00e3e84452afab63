#include "merhan/data/feature_streams.h"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/cmvn.h"
#include "merhan/audio/mfcc.h"
#include "merhan/data/speech_encoder_stream.h"
#include "merhan/data/torch_power_spectrum.h"
#include "merhan/nn/bert.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/error.h"
#include "merhan/util/hash.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// Bumped whenever an extractor's output changes for the same options, so that
// existing caches are recomputed rather than silently reused.
constexpr int kAudioExtractorVersion = 2;  // 2: LibTorch FFT instead of kissfft
constexpr int kTextExtractorVersion = 1;
constexpr int kTokenExtractorVersion = 2;  // 2: int32 ids instead of float32

// Size, mtime and a content hash of every file the encoder's output depends on:
// a changed or swapped model invalidates the text cache.
std::string EncoderIdentity(const std::string& dir) {
  namespace fs = std::filesystem;
  nlohmann::json files = nlohmann::json::object();
  for (const char* name : {"config.json", "model.safetensors", "pytorch_model.bin", "vocab.txt",
                           "tokenizer_config.json", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model"}) {
    const fs::path path = fs::path(dir) / name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    const auto size = fs::file_size(path, ec);
    const auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
    files[name] = Cat(size, ":", mtime);
  }
  return files.dump();
}

}  // namespace

FeatureMatrix ExtractMfcc(const std::string& wav_path, const AudioOptions& audio, const Mfcc& mfcc) {
  const AudioSignal signal = LoadAudio(wav_path, audio);
  FeatureMatrix m;
  m.cols = mfcc.num_coefficients();
  m.data = mfcc.Compute(signal.samples.data(), signal.samples.size(), &m.rows);
  if (m.rows == 0) throw DataError(wav_path + ": too short for one MFCC frame");
  if (audio.cmvn == "utterance") ApplyUtteranceCmvn(m.data.data(), m.rows, static_cast<int>(m.cols));
  return m;
}

FeatureMatrix ExtractTextFeatures(const std::string& text, const TextEncoder& encoder, int max_length) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw DataError("empty transcript");
  torch::NoGradGuard no_grad;
  const std::vector<Encoding> batch = {encoder.tokenizer->Encode(text, max_length)};
  BertModel model = encoder.model;  // a holder copy: Encode is non-const
  BertOutput out = model->Encode(batch);
  torch::Tensor hidden = out.last_hidden_state[0].to(torch::kFloat32).contiguous().cpu();
  FeatureMatrix m;
  m.rows = hidden.size(0);
  m.cols = hidden.size(1);
  m.data.assign(hidden.data_ptr<float>(), hidden.data_ptr<float>() + hidden.numel());
  return m;
}

FeatureMatrix ExtractTokens(const std::string& text, const Tokenizer& tokenizer, int max_length) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw DataError("empty transcript");
  const Encoding e = tokenizer.Encode(text, max_length);
  FeatureMatrix m;
  m.rows = static_cast<int64_t>(e.input_ids.size());
  m.cols = 1;
  m.dtype = FeatureDtype::kInt32;
  m.ids.assign(e.input_ids.begin(), e.input_ids.end());
  return m;
}

namespace {

// Lazily loaded encoder shared by the extraction threads: a warm cache never
// loads the model.
struct LazyTextEncoder {
  TextOptions options;
  std::once_flag once;
  TextEncoder encoder;
  const TextEncoder& Get() {
    std::call_once(once, [this] {
      encoder = LoadBertEncoder(options);
      log::Info(Cat("text encoder ", options.model_dir, ": ", encoder.config.ToString()));
    });
    return encoder;
  }
};

FeatureStream AudioFeatureStream(const AudioOptions& audio, const MfccOptions& mfcc) {
  CheckSampleRatesAgree(audio, mfcc);
  FeatureStream s;
  s.kind = StreamKind::kMfcc;
  s.name = StreamKindName(s.kind);
  s.input = CacheInput::kWavFile;
  s.config_json = Cat("{\"extractor\":\"mfcc-v", kAudioExtractorVersion, "\",\"audio\":", audio.ToString(),
                      ",\"mfcc\":", mfcc.ToString(), "}");
  auto extractor = std::make_shared<Mfcc>(mfcc, MakeTorchPowerSpectrum);
  s.extract = [audio, extractor](const Utterance& u) {
    try {
      return ExtractMfcc(u.wav_path, audio, *extractor);
    } catch (const DataError& e) {
      // The loader's message starts with the wav's path. Where the utterance came
      // from goes before it, unless that is the path itself (an utterance given on
      // the command line, whose id is its wav).
      const std::string where = UtteranceLocation(u);
      if (where == u.wav_path) throw;
      throw DataError(where + ": " + e.what());
    }
  };
  return s;
}

FeatureStream TextFeatureStream(const TextOptions& text) {
  if (text.model_dir.empty()) {
    throw UsageError("text.model_dir: required (a local Hugging Face BERT directory, or \"minilm\")");
  }
  FeatureStream s;
  s.kind = StreamKind::kEncoderHidden;
  s.name = StreamKindName(s.kind);
  s.input = CacheInput::kText;
  const std::string dir = ResolveModelDir(text.model_dir);
  s.config_json =
      Cat("{\"extractor\":\"bert-last-hidden-v", kTextExtractorVersion, "\",\"model_dir\":", nlohmann::json(dir).dump(),
          ",\"files\":", EncoderIdentity(dir), ",\"max_length\":", text.max_length, ",\"dtype\":\"", text.dtype, "\"}");
  auto lazy = std::make_shared<LazyTextEncoder>();
  lazy->options = text;
  lazy->options.model_dir = dir;
  lazy->options.trainable_layers = 0;  // cached outputs are those of the frozen encoder
  const int max_length = text.max_length;
  s.extract = [lazy, max_length](const Utterance& u) {
    try {
      return ExtractTextFeatures(u.text, lazy->Get(), max_length);
    } catch (const DataError& e) {
      throw DataError(TextLocation(u) + ": " + e.what());
    }
  };
  return s;
}

FeatureStream TokenFeatureStream(const TextOptions& text) {
  if (text.model_dir.empty()) {
    throw UsageError("text.model_dir: required (a local Hugging Face BERT directory, or \"minilm\")");
  }
  FeatureStream s;
  s.kind = StreamKind::kTokenIds;
  s.name = StreamKindName(s.kind);
  s.input = CacheInput::kText;
  s.dtype = FeatureDtype::kInt32;
  const std::string dir = ResolveModelDir(text.model_dir);
  s.config_json =
      Cat("{\"extractor\":\"tokens-v", kTokenExtractorVersion, "\",\"model_dir\":", nlohmann::json(dir).dump(),
          ",\"files\":", EncoderIdentity(dir), ",\"max_length\":", text.max_length, "}");
  auto tokenizer = std::shared_ptr<Tokenizer>(LoadTokenizer(dir));
  if (tokenizer->VocabSize() > INT32_MAX) throw DataError(dir + ": vocabulary too large for int32 token ids");
  const int max_length = text.max_length;
  s.extract = [tokenizer, max_length](const Utterance& u) {
    try {
      return ExtractTokens(u.text, *tokenizer, max_length);
    } catch (const DataError& e) {
      throw DataError(TextLocation(u) + ": " + e.what());
    }
  };
  return s;
}

}  // namespace

FeatureStream MakeFeatureStream(StreamKind kind, const AudioOptions& audio, const MfccOptions& mfcc,
                                const TextOptions& text) {
  switch (kind) {
    case StreamKind::kMfcc: return AudioFeatureStream(audio, mfcc);
    case StreamKind::kEncoderHidden: return TextFeatureStream(text);
    case StreamKind::kTokenIds: return TokenFeatureStream(text);
    case StreamKind::kPrecomputed: break;  // read, not computed: PrecomputedFeatureStream
  }
  throw InternalError("MakeFeatureStream: unknown stream kind");
}

StreamSet RequiredStreams(const ModelOptions& model, const TextOptions& text) {
  StreamSet set;
  if (model.UsesAudio()) set.Add(StreamKind::kMfcc);
  // A fine-tuned encoder runs inside the model: cache its input, the token ids.
  if (model.UsesText()) set.Add(text.trainable_layers > 0 ? StreamKind::kTokenIds : StreamKind::kEncoderHidden);
  for (const std::string& name : model.Inputs()) {
    if (name != kAudioInput && name != kTextInput) set.AddPrecomputed(name);
  }
  return set;
}

const FeatureCache* CorpusFeatures::Find(StreamKind kind) const {
  for (const StreamCache& s : streams) {
    if (s.kind == kind) return s.cache.get();
  }
  return nullptr;
}

const FeatureCache* CorpusFeatures::FindPrecomputed(const std::string& name) const {
  for (const StreamCache& s : streams) {
    if (s.kind == StreamKind::kPrecomputed && s.name == name) return s.cache.get();
  }
  return nullptr;
}

CorpusFeatures EnsureCorpusFeatures(const Corpus& corpus, const DataOptions& data, const AudioOptions& audio,
                                    const MfccOptions& mfcc, const TextOptions& text, const StreamSet& streams,
                                    const EnsureOptions& options) {
  std::vector<FeatureStream> wanted;
  for (StreamKind kind : streams.Kinds()) wanted.push_back(MakeFeatureStream(kind, audio, mfcc, text));
  const std::vector<PrecomputedStreamSpec> specs = ParsePrecomputedStreams(data.streams);
  for (const std::string& name : streams.Precomputed()) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const auto& x) { return x.name == name; });
    if (spec == specs.end()) {
      throw UsageError("model.streams: \"" + name + "\" is neither audio, text nor a stream declared in data.streams");
    }
    wanted.push_back(spec->format == PrecomputedFormat::kSpeechEncoder ? SpeechEncoderFeatureStream(*spec)
                                                                       : PrecomputedFeatureStream(*spec));
  }
  CorpusFeatures out;
  for (const FeatureStream& s : wanted) {
    auto cache = std::make_unique<FeatureCache>(data.cache_dir, s.name, s.config_json, s.input, s.dtype);
    if (s.check_space) cache->SetSpaceCheck(s.check_space);
    std::unique_ptr<ProgressBar> bar;
    ProgressCallback callback;
    if (options.progress) {
      callback = [&bar, &s](int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<ProgressBar>("features " + s.name, total);
        bar->Update(done);
      };
    }
    const FeatureCacheStats stats = cache->Ensure(corpus.utterances, options.compute ? s.extract : FeatureExtractor{},
                                                  data.cache_threads, callback);
    bar.reset();
    log::Info(Cat("features ", s.name, " (", cache->dir(), "): ", stats.ToString()));
    out.streams.push_back(StreamCache{s.kind, s.name, std::move(cache), stats});
  }
  return out;
}

}  // namespace merhan
