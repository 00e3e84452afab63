// The classification head of a Hugging Face `*ForSequenceClassification` speech model
// as an emotion model (docs/speech_encoders.md, "Published classifiers"): the encoder's
// hidden states (a speech-encoder stream: every hidden state when the checkpoint uses
// a weighted layer sum, else the last) -> [learned softmax-weighted sum of the layers]
// -> [the encoder's final LayerNorm, for a stable-layer-norm encoder read from its last
// hidden state: transformers classifies last_hidden_state] -> projector (Linear) ->
// mean over the valid frames -> classifier (Linear) -> class logits.
#pragma once

#include <torch/torch.h>

#include <string>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/layer_mix.h"

namespace merhan {

struct SpeechClassificationHeadOptions {
  std::string stream;         // the batch stream holding the hidden states
  int64_t layers = 1;         // hidden states per row (> 1: weighted layer sum)
  int64_t hidden = 768;       // per hidden state
  int64_t projector = 256;    // classifier_proj_size
  int64_t classes = 4;
  bool final_layer_norm = false;
  double layer_norm_eps = 1e-5;
};

class SpeechClassificationHeadImpl : public EmotionModelImpl {
 public:
  explicit SpeechClassificationHeadImpl(const SpeechClassificationHeadOptions& options);
  torch::Tensor forward(const Batch& batch) override;
  bool UsesAudio() const override { return false; }
  bool UsesText() const override { return false; }

 private:
  SpeechClassificationHeadOptions options_;
  LayerMix layer_weights_{nullptr};
  torch::nn::LayerNorm final_layer_norm_{nullptr};
  torch::nn::Linear projector_{nullptr}, classifier_{nullptr};
};
TORCH_MODULE(SpeechClassificationHead);

}  // namespace merhan
