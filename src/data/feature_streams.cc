#include "merhan/data/feature_streams.h"

#include <sndfile.h>

#include <cmath>
#include <sstream>

#include "merhan/util/error.h"
#include "merhan/util/hash.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// PLACEHOLDER audio features until merhan::Mfcc is merged: per frame (win_length,
// hop_length of MfccOptions) the log energy of n_mfcc equal sub-windows. It depends
// on the same options as MFCCs, so cache invalidation behaves as it will for them.
FeatureMatrix PlaceholderAudio(const Utterance& u, const MfccOptions& mfcc) {
  SF_INFO info{};
  SNDFILE* f = sf_open(u.wav_path.c_str(), SFM_READ, &info);
  if (!f) throw DataError(u.wav_path + ": cannot read audio: " + sf_strerror(nullptr));
  std::vector<float> interleaved(static_cast<size_t>(info.frames * info.channels));
  sf_readf_float(f, interleaved.data(), info.frames);
  sf_close(f);
  std::vector<float> x(static_cast<size_t>(info.frames), 0.0f);
  for (sf_count_t i = 0; i < info.frames; ++i) {
    for (int c = 0; c < info.channels; ++c) x[static_cast<size_t>(i)] += interleaved[static_cast<size_t>(i * info.channels + c)];
    x[static_cast<size_t>(i)] /= static_cast<float>(info.channels);
  }
  FeatureMatrix m;
  m.cols = mfcc.n_mfcc;
  m.rows = 1 + static_cast<int64_t>(x.size()) / mfcc.hop_length;  // centred frames, as torchaudio
  m.data.assign(static_cast<size_t>(m.rows * m.cols), 0.0f);
  const int64_t sub = std::max<int64_t>(1, mfcc.win_length / mfcc.n_mfcc);
  for (int64_t t = 0; t < m.rows; ++t) {
    const int64_t start = t * mfcc.hop_length - mfcc.win_length / 2;
    for (int64_t c = 0; c < m.cols; ++c) {
      double energy = 0.0;
      for (int64_t k = 0; k < sub; ++k) {
        const int64_t i = start + c * sub + k;
        if (i >= 0 && i < static_cast<int64_t>(x.size())) energy += double(x[static_cast<size_t>(i)]) * x[static_cast<size_t>(i)];
      }
      m.data[static_cast<size_t>(t * m.cols + c)] = static_cast<float>(std::log(1e-10 + energy / static_cast<double>(sub)));
    }
  }
  return m;
}

// PLACEHOLDER text features until the BERT encoder is merged: [CLS], one row per
// whitespace token, [SEP]; 32 pseudo-random values per row derived from the token.
FeatureMatrix PlaceholderText(const Utterance& u, int max_length) {
  std::vector<std::string> tokens = {"[CLS]"};
  std::istringstream in(u.text);
  std::string w;
  while (in >> w && static_cast<int>(tokens.size()) < max_length - 1) tokens.push_back(w);
  tokens.push_back("[SEP]");
  FeatureMatrix m;
  m.rows = static_cast<int64_t>(tokens.size());
  m.cols = 32;
  m.data.resize(static_cast<size_t>(m.rows * m.cols));
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t c = 0; c < m.cols; ++c) {
      const uint64_t h = Hash64(tokens[static_cast<size_t>(r)], static_cast<uint64_t>(c));
      m.data[static_cast<size_t>(r * m.cols + c)] = static_cast<float>(static_cast<double>(h >> 11) / 9007199254740992.0 - 0.5);
    }
  }
  return m;
}

}  // namespace

FeatureStream AudioFeatureStream(const AudioOptions& audio, const MfccOptions& mfcc) {
  FeatureStream s;
  s.name = "mfcc";
  s.input = CacheInput::kWavFile;
  s.config_json = Cat("{\"extractor\":\"placeholder-log-energy-v1\",\"audio\":", audio.ToString(),
                      ",\"mfcc\":", mfcc.ToString(), "}");
  s.extract = [mfcc](const Utterance& u) { return PlaceholderAudio(u, mfcc); };
  return s;
}

FeatureStream TextFeatureStream(const TextOptions& text) {
  FeatureStream s;
  s.name = "text";
  s.input = CacheInput::kText;
  s.config_json = Cat("{\"extractor\":\"placeholder-token-hash-v1\",\"max_length\":", text.max_length, "}");
  const int max_length = text.max_length;
  s.extract = [max_length](const Utterance& u) { return PlaceholderText(u, max_length); };
  return s;
}

CorpusFeatures EnsureCorpusFeatures(const Corpus& corpus, const DataOptions& data, const AudioOptions& audio,
                                    const MfccOptions& mfcc, const TextOptions& text, bool progress, bool compute) {
  CorpusFeatures out;
  for (const FeatureStream& s : {AudioFeatureStream(audio, mfcc), TextFeatureStream(text)}) {
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
    } else {
      out.text = std::move(cache);
      out.text_stats = stats;
    }
  }
  return out;
}

}  // namespace merhan
