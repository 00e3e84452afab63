// Seed 004's unimodal classifier (model.type audio | text): masked temporal mean
// of one stream, then an MLP in -> hidden -> hidden/2 -> classes with ReLU (the
// seed used no dropout). Module names: fc1, fc2, output.
#pragma once

#include <torch/torch.h>

#include <string>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/layer_mix.h"

namespace merhan {

class UnimodalMlpImpl : public EmotionModelImpl {
 public:
  // modality: "audio", "text" or a precomputed stream's name (Batch::streams).
  // layers > 1: the stream's rows hold that many hidden states of input_dim, mixed
  // after pooling (nn/layer_mix.h).
  UnimodalMlpImpl(const std::string& modality, int64_t input_dim, int64_t hidden, int64_t num_classes,
                  int64_t layers = 1);

  torch::Tensor forward(const Batch& batch) override;
  // The MLP on an already pooled (B, input_dim) vector.
  torch::Tensor Classify(const torch::Tensor& pooled);

  bool UsesAudio() const override { return modality_ == kAudioInput; }
  bool UsesText() const override { return modality_ == kTextInput; }

 private:
  std::string modality_;
  int64_t input_dim_, layers_;
  LayerMix layer_mix_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, output_{nullptr};
};
TORCH_MODULE(UnimodalMlp);

// Masked temporal mean of the batch's audio (B, audio_dim), text (B, text_dim) or
// precomputed stream `modality`, after checking it has `feature_dim` features.
torch::Tensor PooledStream(const Batch& batch, const std::string& modality, int64_t feature_dim);

}  // namespace merhan
