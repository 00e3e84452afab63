#include "merhan/speech/speech_preprocessor.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/printable.h"

namespace merhan {

SpeechPreprocessorConfig SpeechPreprocessorConfig::FromModelDir(const std::string& dir) {
  SpeechPreprocessorConfig c;
  const std::string path = (std::filesystem::path(dir) / "preprocessor_config.json").string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return c;
  const nlohmann::json j = ReadJsonObjectFile(path);
  c.source = path;
  if (j.contains("sampling_rate")) {
    if (!j["sampling_rate"].is_number_integer()) {
      throw DataError(path + ": sampling_rate must be an integer, got " + Printable(j["sampling_rate"].dump()));
    }
    c.sampling_rate = j["sampling_rate"].get<int>();
  }
  if (j.contains("do_normalize")) {
    if (!j["do_normalize"].is_boolean()) {
      throw DataError(path + ": do_normalize must be true or false, got " + Printable(j["do_normalize"].dump()));
    }
    c.normalization =
        j["do_normalize"].get<bool>() ? WaveformNormalization::kZeroMeanUnitVariance : WaveformNormalization::kNone;
  }
  if (j.contains("feature_size") && j["feature_size"] != 1) {
    throw DataError(path + ": feature_size " + Printable(j["feature_size"].dump()) +
                    " is not supported (only 1: a raw mono waveform)");
  }
  c.Validate();
  return c;
}

void SpeechPreprocessorConfig::Validate() const {
  if (sampling_rate != 16000) {
    throw DataError(source + ": sampling_rate " + std::to_string(sampling_rate) +
                    " is not supported: merhan's speech encoders take 16000 Hz audio (every file is resampled to it)");
  }
}

std::string SpeechPreprocessorConfig::ToString() const {
  return "SpeechPreprocessorConfig(sampling_rate=" + std::to_string(sampling_rate) +
         ", do_normalize=" + (normalization == WaveformNormalization::kNone ? "false" : "true") + ", from " + source +
         ")";
}

std::vector<float> NormalizeWaveform(const std::vector<float>& samples, WaveformNormalization normalization) {
  if (normalization == WaveformNormalization::kNone || samples.empty()) return samples;
  double sum = 0;
  for (float x : samples) sum += x;
  const double mean = sum / static_cast<double>(samples.size());
  double ss = 0;
  for (float x : samples) ss += (x - mean) * (x - mean);
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(samples.size()) + 1e-7);
  std::vector<float> out(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) out[i] = static_cast<float>((samples[i] - mean) * scale);
  return out;
}

}  // namespace merhan
