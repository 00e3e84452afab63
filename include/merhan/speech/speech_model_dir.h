// Loading a speech encoder from a local Hugging Face model directory: config.json,
// model.safetensors or pytorch_model.bin, and preprocessor_config.json if present.
// Nothing is ever fetched (docs/design.md T4).
#pragma once

#include <torch/torch.h>

#include <string>

#include "merhan/speech/speech_encoder.h"
#include "merhan/speech/speech_encoder_config.h"
#include "merhan/speech/speech_preprocessor.h"
#include "merhan/speech/speech_weights.h"

namespace merhan {

struct SpeechEncoderOptions {
  std::string model_dir;  // local Hugging Face directory of a wav2vec2/hubert/wavlm/data2vec-audio model

  // UsageError with the reason for an empty model_dir.
  void Validate() const;
  std::string ToString() const;
};

struct LoadedSpeechEncoder {
  std::string model_dir;
  SpeechEncoderConfig config;
  SpeechPreprocessorConfig preprocessor;
  SpeechEncoder model{nullptr};  // fp32, eval mode, no gradients
  SpeechLoadReport report;
};

// DataError naming the directory and the files expected (config.json and
// model.safetensors or pytorch_model.bin) when it or one of them is missing.
void CheckSpeechModelFiles(const std::string& dir);

// The weights file LoadSpeechEncoder reads: model.safetensors, else pytorch_model.bin;
// "" when neither is there.
std::string SpeechWeightsFile(const std::string& dir);

// DataError naming the directory and the files expected when it or a file is
// missing; DataError naming the file and the field for an unsupported config value
// or sample rate; DataError naming the tensors when the weights do not fit.
LoadedSpeechEncoder LoadSpeechEncoder(const SpeechEncoderOptions& options);

}  // namespace merhan
