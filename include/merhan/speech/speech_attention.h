// Multi-head self-attention of the speech encoders' transformer layers
// ("encoder.layers.N.attention": q_proj, k_proj, v_proj, out_proj), with WavLM's
// gated relative position bias when the layer has one (gru_rel_pos_linear,
// gru_rel_pos_const, and in layer 0 the bucket table rel_attn_embed).
#pragma once

#include <torch/torch.h>

#include "merhan/speech/speech_encoder_config.h"

namespace merhan {

// A layer's part in WavLM's relative position bias.
enum class PositionBiasRole {
  kNone,      // wav2vec 2.0, HuBERT, data2vec-audio
  kComputes,  // WavLM layer 0: owns the bucket table, computes the bias once
  kGates,     // WavLM layers > 0: gate the bias layer 0 computed
};

struct SpeechAttentionImpl : torch::nn::Module {
  SpeechAttentionImpl(const SpeechEncoderConfig& config, PositionBiasRole role);

  // x: (B, T, H); key_mask: (B, 1, 1, T) additive (0 valid, -inf padded) or
  // undefined; *position_bias: the ungated (heads, T, T) bias, computed here when
  // the role is kComputes and left for the next layers. Returns (B, T, H).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask, torch::Tensor* position_bias);

  PositionBiasRole role;
  int64_t heads;
  int64_t num_buckets, max_distance;
  double dropout;  // on the attention weights, training mode only
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  torch::nn::Linear gru_rel_pos_linear{nullptr};
  torch::Tensor gru_rel_pos_const;
  torch::nn::Embedding rel_attn_embed{nullptr};
};
TORCH_MODULE(SpeechAttention);

}  // namespace merhan
