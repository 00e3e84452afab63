#include "merhan/speech/speech_encoder_layer.h"

namespace merhan {

SpeechFeedForwardImpl::SpeechFeedForwardImpl(const SpeechEncoderConfig& c)
    : activation_dropout(c.activation_dropout), hidden_dropout(c.hidden_dropout) {
  intermediate_dense = register_module("intermediate_dense", torch::nn::Linear(c.hidden_size, c.intermediate_size));
  output_dense = register_module("output_dense", torch::nn::Linear(c.intermediate_size, c.hidden_size));
}

SpeechEncoderLayerImpl::SpeechEncoderLayerImpl(const SpeechEncoderConfig& c, PositionBiasRole role)
    : placement(c.layer_norm_placement), hidden_dropout(c.hidden_dropout) {
  auto norm = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)); };
  attention = register_module("attention", SpeechAttention(c, role));
  layer_norm = register_module("layer_norm", norm());
  feed_forward = register_module("feed_forward", SpeechFeedForward(c));
  final_layer_norm = register_module("final_layer_norm", norm());
}

torch::Tensor SpeechEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask,
                                              torch::Tensor* position_bias) {
  auto attend = [&](const torch::Tensor& y) {
    return torch::dropout(attention(y, key_mask, position_bias), hidden_dropout, is_training());
  };
  if (placement == LayerNormPlacement::kPre) {
    auto h = x + attend(layer_norm(x));
    return h + feed_forward(final_layer_norm(h));
  }
  auto h = layer_norm(x + attend(x));
  return final_layer_norm(h + feed_forward(h));
}

}  // namespace merhan
