#include "merhan/data/feature_streams.h"

#include <filesystem>
#include <mutex>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/cmvn.h"
#include "merhan/audio/mfcc.h"
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
constexpr int kTokenExtractorVersion = 1;

// Size, mtime and a content hash of every file the encoder's output depends on:
// a changed or swapped model invalidates the text cache.
std::string EncoderIdentity(const std::string& dir) {
  namespace fs = std::filesystem;
  nlohmann::json files = nlohmann::json::object();
  for (const char* name : {"config.json", "model.safetensors", "pytorch_model.bin", "vocab.txt",
                           "tokenizer_config.json", "spiece.model", "sentencepiece.bpe.model",
                           "tokenizer.model"}) {
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

FeatureStream AudioFeatureStream(const AudioOptions& audio, const MfccOptions& mfcc) {
  CheckSampleRatesAgree(audio, mfcc);
  FeatureStream s;
  s.name = "mfcc";
  s.input = CacheInput::kWavFile;
  s.config_json = Cat("{\"extractor\":\"mfcc-v", kAudioExtractorVersion, "\",\"audio\":", audio.ToString(),
                      ",\"mfcc\":", mfcc.ToString(), "}");
  auto extractor = std::make_shared<Mfcc>(mfcc, MakeTorchPowerSpectrum);
  s.extract = [audio, extractor](const Utterance& u) {
    try {
      return ExtractMfcc(u.wav_path, audio, *extractor);
    } catch (const DataError& e) {
      throw DataError(UtteranceLocation(u) + ": " + e.what());
    }
  };
  return s;
}

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

FeatureStream TextFeatureStream(const TextOptions& text) {
  if (text.model_dir.empty()) {
    throw UsageError("text.model_dir: required (a local Hugging Face BERT directory, or \"minilm\")");
  }
  FeatureStream s;
  s.name = "text";
  s.input = CacheInput::kText;
  const std::string dir = ResolveModelDir(text.model_dir);
  s.config_json = Cat("{\"extractor\":\"bert-last-hidden-v", kTextExtractorVersion, "\",\"model_dir\":",
                      nlohmann::json(dir).dump(), ",\"files\":", EncoderIdentity(dir),
                      ",\"max_length\":", text.max_length, ",\"dtype\":\"", text.dtype, "\"}");
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

FeatureMatrix ExtractTokens(const std::string& text, const Tokenizer& tokenizer, int max_length) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw DataError("empty transcript");
  const Encoding e = tokenizer.Encode(text, max_length);
  FeatureMatrix m;
  m.rows = static_cast<int64_t>(e.input_ids.size());
  m.cols = 1;
  m.data.assign(e.input_ids.begin(), e.input_ids.end());  // ids < 2^24 are exact in float32
  return m;
}

FeatureStream TokenFeatureStream(const TextOptions& text) {
  if (text.model_dir.empty()) {
    throw UsageError("text.model_dir: required (a local Hugging Face BERT directory, or \"minilm\")");
  }
  FeatureStream s;
  s.name = "tokens";
  s.input = CacheInput::kText;
  const std::string dir = ResolveModelDir(text.model_dir);
  s.config_json = Cat("{\"extractor\":\"tokens-v", kTokenExtractorVersion, "\",\"model_dir\":",
                      nlohmann::json(dir).dump(), ",\"files\":", EncoderIdentity(dir),
                      ",\"max_length\":", text.max_length, "}");
  auto tokenizer = std::shared_ptr<Tokenizer>(LoadTokenizer(dir));
  if (tokenizer->VocabSize() >= (1 << 24)) throw DataError(dir + ": vocabulary too large for the token cache");
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

CorpusFeatures EnsureCorpusFeatures(const Corpus& corpus, const DataOptions& data, const AudioOptions& audio,
                                    const MfccOptions& mfcc, const TextOptions& text, bool progress, bool compute,
                                    bool need_audio, bool need_text) {
  CorpusFeatures out;
  std::vector<FeatureStream> streams;
  if (need_audio) streams.push_back(AudioFeatureStream(audio, mfcc));
  // A fine-tuned encoder runs inside the model: cache its input, the token ids.
  if (need_text) streams.push_back(text.trainable_layers > 0 ? TokenFeatureStream(text) : TextFeatureStream(text));
  for (const FeatureStream& s : streams) {
    auto cache = std::make_unique<FeatureCache>(data.cache_dir, s.name, s.config_json, s.input);
    std::unique_ptr<ProgressBar> bar;
    ProgressCallback callback;
    if (progress) {
      callback = [&bar, &s](int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<ProgressBar>("features " + s.name, total);
        bar->Update(done);
      };
    }
    FeatureCacheStats stats = cache->Ensure(corpus.utterances, compute ? s.extract : FeatureExtractor{},
                                            data.cache_threads, callback);
    bar.reset();
    log::Info(Cat("features ", s.name, " (", cache->dir(), "): ", stats.ToString()));
    if (s.name == "mfcc") {
      out.audio = std::move(cache);
      out.audio_stats = stats;
    } else if (s.name == "tokens") {
      out.tokens = std::move(cache);
      out.text_stats = stats;
    } else {
      out.text = std::move(cache);
      out.text_stats = stats;
    }
  }
  return out;
}

}  // namespace merhan
