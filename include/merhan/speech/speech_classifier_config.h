// The head of a Hugging Face `*ForSequenceClassification` speech checkpoint
// (Wav2Vec2/Hubert/WavLM/Data2VecAudio, e.g. the SUPERB emotion models) as its
// config.json describes it: the class names, the projector's size and whether the
// hidden states are mixed by learned layer weights (docs/speech_encoders.md,
// "Published classifiers").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merhan {

struct SpeechClassifierConfig {
  std::vector<std::string> labels;  // id2label, in id order
  int64_t projector_size = 256;     // classifier_proj_size
  bool weighted_layer_sum = false;  // use_weighted_layer_sum

  // DataError naming the file and the field: id2label missing or not 0..n-1,
  // a malformed classifier_proj_size or use_weighted_layer_sum.
  static SpeechClassifierConfig FromJson(const std::string& config_path);
  std::string ToString() const;
};

// Whether `dir` holds a config.json whose "architectures" names a
// `*ForSequenceClassification` class (no other file is read).
bool IsSpeechClassifierDir(const std::string& dir);

}  // namespace merhan
