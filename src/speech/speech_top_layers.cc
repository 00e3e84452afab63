#include "merhan/speech/speech_top_layers.h"

#include <limits>

#include "merhan/speech/relative_position_bias.h"
#include "merhan/speech/speech_encoder_layer.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

SpeechTopLayersImpl::SpeechTopLayersImpl(const SpeechEncoderConfig& config, int64_t n) : config_(config), n_(n) {
  const int64_t total = config.num_hidden_layers;
  if (n < 1 || n > total) throw InternalError(Cat("SpeechTopLayers: ", n, " of ", total, " layers"));
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = total - n; i < total; ++i) {
    PositionBiasRole role = PositionBiasRole::kNone;
    if (config.HasRelativePositionBias()) role = i == 0 ? PositionBiasRole::kComputes : PositionBiasRole::kGates;
    layers_->push_back(SpeechEncoderLayer(config, role));
  }
  if (config.HasRelativePositionBias() && n < total) {
    bucket_embedding_ = register_buffer("bucket_embedding", torch::zeros({config.num_buckets, config.num_attention_heads}));
  }
}

std::vector<torch::Tensor> SpeechTopLayersImpl::forward(const torch::Tensor& states, const torch::Tensor& frame_mask) {
  const int64_t b = states.size(0), t = states.size(1);
  // As the whole encoder masks padded keys (SpeechEncoderImpl::forward).
  const torch::Tensor key_mask = torch::zeros({b, 1, 1, t}, states.options())
                                     .masked_fill(frame_mask.logical_not().view({b, 1, 1, t}),
                                                  -std::numeric_limits<float>::infinity());
  torch::Tensor position_bias;
  if (bucket_embedding_.defined()) {
    position_bias = RelativePositionBias(bucket_embedding_, t, config_.num_buckets, config_.max_bucket_distance);
  }
  std::vector<torch::Tensor> out;
  torch::Tensor h = states;
  for (const auto& layer : *layers_) {
    h = layer->as<SpeechEncoderLayerImpl>()->forward(h, key_mask, &position_bias);
    out.push_back(h);
  }
  return out;
}

void SpeechTopLayersImpl::CopyFrom(SpeechEncoderImpl& encoder) {
  torch::NoGradGuard no_grad;
  const int64_t total = config_.num_hidden_layers;
  for (int64_t k = 0; k < n_; ++k) {
    auto from = encoder.layers[static_cast<size_t>(total - n_ + k)]->named_parameters();
    for (auto& p : layers_[static_cast<size_t>(k)]->named_parameters()) p.value().copy_(from[p.key()]);
  }
  if (bucket_embedding_.defined()) {
    auto first = encoder.layers[0]->as<SpeechEncoderLayerImpl>();
    bucket_embedding_.copy_(first->attention->rel_attn_embed->weight);
  }
}

}  // namespace merhan
