// What the model directory's feature extractor does to a waveform before the
// encoder (transformers' Wav2Vec2FeatureExtractor, preprocessor_config.json): the
// sample rate it expects and per-utterance normalisation.
#pragma once

#include <string>
#include <vector>

namespace merhan {

// Whether a waveform is standardised before the encoder.
enum class WaveformNormalization {
  kNone,
  kZeroMeanUnitVariance,  // per utterance, over its unpadded samples: (x - mean) / sqrt(var + 1e-7)
};

struct SpeechPreprocessorConfig {
  int sampling_rate = 16000;
  // Wav2Vec2FeatureExtractor's default (do_normalize = true), which transformers'
  // AutoFeatureExtractor gives every one of the four model types when the
  // directory has no preprocessor_config.json.
  WaveformNormalization normalization = WaveformNormalization::kZeroMeanUnitVariance;
  std::string source = "defaults (no preprocessor_config.json)";

  // <dir>/preprocessor_config.json when present, else the defaults. DataError
  // naming the file and the field for a malformed value or a sampling_rate other
  // than 16000 (the encoders were trained at 16 kHz; audio is resampled to it).
  static SpeechPreprocessorConfig FromModelDir(const std::string& dir);
  // DataError naming `source` when sampling_rate is not 16000.
  void Validate() const;
  std::string ToString() const;
};

// The encoder's input for one utterance: `samples` normalised as `normalization`
// says (the statistics in double precision; an empty input stays empty).
std::vector<float> NormalizeWaveform(const std::vector<float>& samples, WaveformNormalization normalization);

}  // namespace merhan
