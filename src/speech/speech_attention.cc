#include "merhan/speech/speech_attention.h"

#include <optional>

#include "merhan/speech/relative_position_bias.h"

namespace merhan {

SpeechAttentionImpl::SpeechAttentionImpl(const SpeechEncoderConfig& c, PositionBiasRole r)
    : role(r),
      heads(c.num_attention_heads),
      num_buckets(c.num_buckets),
      max_distance(c.max_bucket_distance),
      dropout(c.attention_dropout) {
  const int64_t h = c.hidden_size;
  k_proj = register_module("k_proj", torch::nn::Linear(h, h));
  v_proj = register_module("v_proj", torch::nn::Linear(h, h));
  q_proj = register_module("q_proj", torch::nn::Linear(h, h));
  out_proj = register_module("out_proj", torch::nn::Linear(h, h));
  if (role == PositionBiasRole::kNone) return;
  gru_rel_pos_const = register_parameter("gru_rel_pos_const", torch::ones({1, heads, 1, 1}));
  gru_rel_pos_linear = register_module("gru_rel_pos_linear", torch::nn::Linear(h / heads, 8));
  if (role == PositionBiasRole::kComputes) {
    rel_attn_embed = register_module("rel_attn_embed", torch::nn::Embedding(c.num_buckets, heads));
  }
}

torch::Tensor SpeechAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask,
                                           torch::Tensor* position_bias) {
  const int64_t b = x.size(0), t = x.size(1), h = x.size(2), d = h / heads;
  auto split = [&](const torch::Tensor& y) { return y.view({b, t, heads, d}).transpose(1, 2); };
  torch::Tensor mask = key_mask;
  if (role != PositionBiasRole::kNone) {
    if (role == PositionBiasRole::kComputes) {
      *position_bias = RelativePositionBias(rel_attn_embed->weight, t, num_buckets, max_distance);
    }
    TORCH_CHECK(position_bias->defined(), "WavLM attention: layer 0 must compute the position bias first");
    auto gated = GatePositionBias(x, gru_rel_pos_linear, gru_rel_pos_const, *position_bias);
    mask = mask.defined() ? gated + mask : gated;
  }
  // softmax(q k^T / sqrt(d) + mask) v: the bias is added to the scaled scores.
  const std::optional<at::Tensor> attn_mask = mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt;
  auto ctx =
      at::scaled_dot_product_attention(split(q_proj(x)), split(k_proj(x)), split(v_proj(x)), attn_mask,
                                       is_training() ? dropout : 0.0, false);
  return out_proj(ctx.transpose(1, 2).reshape({b, t, h}));
}

}  // namespace merhan
