// The top transformer layers of a speech encoder as a module of their own, so that
// they train inside an emotion model while the frozen lower part's output comes from
// the feature cache (data.streams.<name>.trainable_layers; docs/speech_encoders.md,
// "Fine-tuning the top layers"): hidden_states[L - n] in, hidden_states[L - n + 1 .. L]
// out, exactly as the whole encoder computes them.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "merhan/speech/speech_encoder.h"
#include "merhan/speech/speech_encoder_config.h"

namespace merhan {

class SpeechTopLayersImpl : public torch::nn::Module {
 public:
  // The top `n` (1..L) of `config`'s layers, parameters named "layers.K" (K = 0..n-1).
  SpeechTopLayersImpl(const SpeechEncoderConfig& config, int64_t n);
  // (B, T, H) hidden_states[L - n] and its (B, T) frame mask (true = valid) -> the n
  // states above it, each (B, T, H); frames past an utterance's length mean nothing.
  std::vector<torch::Tensor> forward(const torch::Tensor& states, const torch::Tensor& frame_mask);
  // Copies the top n layers of a loaded encoder (and WavLM's bucket embedding, which
  // layer 0 owns and the top layers need for their position bias).
  void CopyFrom(SpeechEncoderImpl& encoder);
  int64_t size() const { return n_; }

 private:
  SpeechEncoderConfig config_;
  int64_t n_;
  torch::nn::ModuleList layers_{nullptr};
  // WavLM with layer 0 frozen: its bucket embedding (num_buckets, heads), a buffer
  // (not trained), from which the top layers' position bias is computed.
  torch::Tensor bucket_embedding_;
};
TORCH_MODULE(SpeechTopLayers);

}  // namespace merhan
