#include "merhan/data/speech_encoder_stream.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/audio_probe.h"
#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/util/error.h"
#include "merhan/util/hash.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

// Bumped whenever the stream's matrices change for the same encoder and options.
constexpr int kSpeechStreamVersion = 4;  // float rounding: 2 GEMM front end, 3 Winograd convs, 4 FFT pos conv

std::string Key(const PrecomputedStreamSpec& spec, const char* field) {
  return "data.streams." + spec.name + "." + field;
}

int64_t StorageBytes(SpeechStorage storage) { return storage == SpeechStorage::kFloat16 ? 2 : 4; }

// The encoder, loaded by the first extraction thread that needs it and shared.
struct LazySpeechEncoder {
  SpeechEncoderOptions options;
  std::string device;
  std::once_flag once;
  LoadedSpeechEncoder encoder;
  const LoadedSpeechEncoder& Get() {
    std::call_once(once, [this] {
      encoder = LoadSpeechEncoder(options);
      // A config whose cache was built on a GPU still predicts and serves on a CPU host.
      if (device != "cpu" && !torch::cuda::is_available()) {
        log::Warn(Cat("speech encoder ", options.model_dir, ": device ", device,
                      " requested, but no CUDA device is available; running on the CPU"));
        device = "cpu";
      }
      encoder.model->to(torch::Device(device));
      log::Info(Cat("speech encoder ", options.model_dir, " on ", device, ": ", encoder.config.ToString()));
    });
    return encoder;
  }
};

// The kept hidden states of one wav as frames x (layers * hidden), in `storage`.
FeatureMatrix EncodeWav(const LoadedSpeechEncoder& encoder, const SpeechStreamLayout& layout,
                        const std::string& wav_path) {
  AudioOptions audio;
  audio.sample_rate = encoder.preprocessor.sampling_rate;
  const AudioSignal signal = LoadAudio(wav_path, audio);
  const SpeechEncoderOutput out = EncodeWaveforms(encoder, {signal.samples}, SpeechBatching::kOneAtATime);
  std::vector<torch::Tensor> kept;
  for (int layer : layout.cached) kept.push_back(out.hidden_states[static_cast<size_t>(layer)][0]);
  const int64_t frames = kept.front().size(0);
  torch::Tensor rows = torch::stack(kept, 1).reshape({frames, layout.RowDim()}).cpu();
  FeatureMatrix m;
  m.rows = frames;
  m.cols = layout.RowDim();
  if (layout.storage == SpeechStorage::kFloat16) {
    m.dtype = FeatureDtype::kFloat16;
    rows = rows.to(torch::kHalf).contiguous();
    const auto* bits = reinterpret_cast<const uint16_t*>(rows.data_ptr<at::Half>());
    m.halves.assign(bits, bits + rows.numel());
  } else {
    rows = rows.to(torch::kFloat32).contiguous();
    m.data.assign(rows.data_ptr<float>(), rows.data_ptr<float>() + rows.numel());
  }
  return m;
}

}  // namespace

double SpeechStreamLayout::BytesPerHour() const {
  return 3600.0 * frames_per_second * static_cast<double>(RowDim() * StorageBytes(storage));
}

SpeechStreamLayout ResolveSpeechStream(const PrecomputedStreamSpec& spec) {
  if (spec.format != PrecomputedFormat::kSpeechEncoder) throw InternalError("ResolveSpeechStream: not a speech stream");
  SpeechStreamLayout layout;
  std::error_code ec;
  layout.model_dir = fs::absolute(spec.speech.model_dir, ec).lexically_normal().string();
  const fs::path config_path = fs::path(layout.model_dir) / "config.json";
  try {
    CheckSpeechModelFiles(layout.model_dir);
  } catch (const DataError& e) {
    throw DataError(Key(spec, "model_dir") + ": " + e.what());
  }
  const SpeechEncoderConfig config = SpeechEncoderConfig::FromJson(config_path.string());
  const SpeechPreprocessorConfig preprocessor = SpeechPreprocessorConfig::FromModelDir(layout.model_dir);
  const int last = static_cast<int>(config.num_hidden_layers);
  layout.layers = spec.speech.layers;
  if (layout.layers.empty()) {
    for (int i = 0; i <= last; ++i) layout.layers.push_back(i);
  }
  if (layout.layers.back() > last) {
    throw UsageError(Cat(Key(spec, "layers"), ": hidden state ", layout.layers.back(), " does not exist; ",
                         layout.model_dir, " has hidden states 0..", last));
  }
  layout.trainable_layers = spec.speech.trainable_layers;
  if (layout.trainable_layers > last) {
    throw UsageError(Cat(Key(spec, "trainable_layers"), ": ", layout.trainable_layers, ", but ", layout.model_dir,
                         " has ", last, " layers"));
  }
  const int top_input = last - layout.trainable_layers;
  for (int layer : layout.layers) {
    if (layout.trainable_layers == 0 || layer < top_input) layout.cached.push_back(layer);
  }
  if (layout.trainable_layers > 0) layout.cached.push_back(top_input);
  layout.hidden_size = config.hidden_size;
  if (spec.dim != 0 && spec.dim != config.hidden_size) {
    throw UsageError(Cat(Key(spec, "dim"), ": ", spec.dim, ", but ", layout.model_dir, " has hidden_size ",
                         config.hidden_size, " (leave dim out)"));
  }
  int64_t stride = 1;
  for (int64_t s : config.conv_stride) stride *= s;
  layout.frames_per_second = static_cast<double>(preprocessor.sampling_rate) / static_cast<double>(stride);
  layout.storage = spec.speech.storage;
  return layout;
}

nlohmann::json SpeechEncoderFingerprint(const std::string& model_dir) {
  nlohmann::json files = nlohmann::json::object();
  for (const char* name : {"config.json", "preprocessor_config.json", "model.safetensors", "pytorch_model.bin"}) {
    const fs::path path = fs::path(model_dir) / name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    files[name] = {{"size", fs::file_size(path, ec)}, {"xxh3", HexDigest(HashFile(path.string()))}};
  }
  return files;
}

void CheckSpeechCacheSpace(const SpeechStreamLayout& layout, const std::vector<const Utterance*>& utterances,
                           int64_t kept_bytes, const std::string& dir, int64_t available_bytes) {
  double seconds = 0;
  for (const Utterance* u : utterances) seconds += ProbeAudio(u->wav_path).seconds();
  const double needed = static_cast<double>(kept_bytes) + seconds / 3600.0 * layout.BytesPerHour();
  if (needed <= static_cast<double>(available_bytes)) return;
  auto fixed = [](double v, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, v);
    return std::string(text);
  };
  const double gib = 1024.0 * 1024.0 * 1024.0;
  throw UsageError(Cat("feature cache ", dir, ": the speech-encoder stream needs about ", fixed(needed / gib, 2),
                      " GiB (", fixed(seconds / 3600.0, 3), " h of audio to encode at ",
                      fixed(layout.BytesPerHour() / gib, 2), " GiB per hour: ", layout.cached.size(),
                      " hidden states of ", layout.hidden_size, " in ",
                      layout.storage == SpeechStorage::kFloat16 ? "float16" : "float32", "), but ",
                       fixed(static_cast<double>(available_bytes) / gib, 2),
                       " GiB are free there; keep fewer layers, store float16, or move data.cache_dir"));
}

FeatureStream SpeechEncoderFeatureStream(const PrecomputedStreamSpec& spec) {
  const SpeechStreamLayout layout = ResolveSpeechStream(spec);
  FeatureStream s;
  s.kind = StreamKind::kPrecomputed;
  s.name = spec.name;
  s.input = CacheInput::kWavFile;
  s.dtype = layout.storage == SpeechStorage::kFloat16 ? FeatureDtype::kFloat16 : FeatureDtype::kFloat32;
  s.config_json = nlohmann::json{{"extractor", Cat("speech-encoder-v", kSpeechStreamVersion)},
                                 {"model_dir", layout.model_dir},
                                 {"files", SpeechEncoderFingerprint(layout.model_dir)},
                                 {"layers", layout.cached},
                                 {"dtype", FeatureDtypeName(s.dtype)}}
                      .dump();
  auto lazy = std::make_shared<LazySpeechEncoder>();
  lazy->options.model_dir = layout.model_dir;
  lazy->device = spec.speech.device;
  s.extract = [lazy, layout](const Utterance& u) {
    try {
      return EncodeWav(lazy->Get(), layout, u.wav_path);
    } catch (const DataError& e) {
      const std::string where = UtteranceLocation(u);
      if (where == u.wav_path) throw;
      throw DataError(where + ": " + e.what());
    }
  };
  s.check_space = [layout](const std::vector<const Utterance*>& to_compute, int64_t kept_bytes,
                           const std::string& dir) {
    std::error_code ec;
    const fs::space_info space = fs::space(dir, ec);
    if (ec) return;  // no figure to refuse on
    CheckSpeechCacheSpace(layout, to_compute, kept_bytes, dir, static_cast<int64_t>(space.available));
  };
  return s;
}

}  // namespace merhan
