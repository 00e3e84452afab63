// One transformer layer of the speech encoders ("encoder.layers.N"): attention,
// feed-forward (intermediate_dense, erf GELU, output_dense), LayerNorms
// "layer_norm" and "final_layer_norm", placed after the residual sums (post-LN) or
// before each sublayer (pre-LN, `do_stable_layer_norm`).
#pragma once

#include <torch/torch.h>

#include "merhan/speech/speech_attention.h"
#include "merhan/speech/speech_encoder_config.h"

namespace merhan {

struct SpeechFeedForwardImpl : torch::nn::Module {
  explicit SpeechFeedForwardImpl(const SpeechEncoderConfig& config);
  // Dropout as transformers places it, in training mode only.
  torch::Tensor forward(const torch::Tensor& x) {
    const auto h = torch::dropout(torch::gelu(intermediate_dense(x)), activation_dropout, is_training());
    return torch::dropout(output_dense(h), hidden_dropout, is_training());
  }
  torch::nn::Linear intermediate_dense{nullptr}, output_dense{nullptr};
  double activation_dropout, hidden_dropout;
};
TORCH_MODULE(SpeechFeedForward);

struct SpeechEncoderLayerImpl : torch::nn::Module {
  SpeechEncoderLayerImpl(const SpeechEncoderConfig& config, PositionBiasRole role);
  // See SpeechAttentionImpl::forward for the mask and the bias.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask, torch::Tensor* position_bias);

  LayerNormPlacement placement;
  double hidden_dropout;  // after attention, training mode only
  SpeechAttention attention{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  SpeechFeedForward feed_forward{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(SpeechEncoderLayer);

}  // namespace merhan
