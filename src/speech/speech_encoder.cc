#include "merhan/speech/speech_encoder.h"

#include <limits>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

FeatureProjectionImpl::FeatureProjectionImpl(const SpeechEncoderConfig& c) {
  const int64_t channels = c.conv_dim.back();
  if (c.feat_proj_layer_norm) {
    layer_norm = register_module("layer_norm",
                                 torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels}).eps(c.layer_norm_eps)));
  }
  projection = register_module("projection", torch::nn::Linear(channels, c.hidden_size));
}

torch::Tensor FeatureProjectionImpl::forward(const torch::Tensor& frames) {
  return projection(layer_norm ? layer_norm(frames) : frames);
}

SpeechEncoderImpl::SpeechEncoderImpl(const SpeechEncoderConfig& c) : config_(c) {
  feature_extractor = register_module("feature_extractor", ConvFeatureEncoder(c));
  feature_projection = register_module("feature_projection", FeatureProjection(c));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  pos_conv_embed = encoder->register_module("pos_conv_embed", PositionalConvEmbedding(c));
  encoder_layer_norm = encoder->register_module(
      "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  layers = encoder->register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    PositionBiasRole role = PositionBiasRole::kNone;
    if (c.HasRelativePositionBias()) role = i == 0 ? PositionBiasRole::kComputes : PositionBiasRole::kGates;
    layers->push_back(SpeechEncoderLayer(c, role));
  }
}

void SpeechEncoderImpl::FrameMask(const torch::Tensor& sample_lengths, int64_t frames, SpeechEncoderOutput* out) const {
  const int64_t b = sample_lengths.defined() ? sample_lengths.size(0) : 0;
  if (!sample_lengths.defined()) return;
  auto lengths = torch::empty({b}, torch::kLong);
  const auto samples = sample_lengths.to(torch::kCPU, torch::kLong).contiguous();
  for (int64_t i = 0; i < b; ++i) {
    lengths[i] = std::min(frames, config_.FramesFor(samples.data_ptr<int64_t>()[i]));
  }
  out->frame_lengths = lengths.to(sample_lengths.device());
  const auto positions = torch::arange(frames, torch::TensorOptions().dtype(torch::kLong).device(lengths.device()));
  out->frame_mask = positions.unsqueeze(0).lt(lengths.unsqueeze(1)).to(sample_lengths.device());
}

SpeechEncoderOutput SpeechEncoderImpl::forward(const torch::Tensor& waveforms, const torch::Tensor& sample_lengths) {
  TORCH_CHECK(waveforms.dim() == 2, "SpeechEncoder: waveforms must be (B, S)");
  if (waveforms.size(1) < config_.MinSamples()) {
    throw DataError(Cat("speech encoder input of ", waveforms.size(1), " samples is shorter than the ",
                        config_.MinSamples(), " samples one frame needs"));
  }
  SpeechEncoderOutput out;
  auto h = feature_projection(feature_extractor(waveforms));
  const int64_t b = h.size(0), t = h.size(1);
  FrameMask(sample_lengths, t, &out);
  torch::Tensor key_mask;
  if (out.frame_mask.defined()) {
    h = h * out.frame_mask.unsqueeze(-1).to(h.scalar_type());
    key_mask =
        torch::zeros({b, 1, 1, t}, h.options())
            .masked_fill(out.frame_mask.logical_not().view({b, 1, 1, t}), -std::numeric_limits<float>::infinity());
  } else {
    out.frame_lengths = torch::full({b}, t, torch::TensorOptions().dtype(torch::kLong).device(h.device()));
    out.frame_mask = torch::ones({b, t}, torch::TensorOptions().dtype(torch::kBool).device(h.device()));
  }
  h = h + pos_conv_embed(h, key_mask.defined() ? out.frame_mask : torch::Tensor());
  const bool pre_ln = config_.layer_norm_placement == LayerNormPlacement::kPre;
  if (!pre_ln) h = encoder_layer_norm(h);
  out.hidden_states.push_back(h);
  torch::Tensor position_bias;
  for (const auto& layer : *layers) {
    h = layer->as<SpeechEncoderLayerImpl>()->forward(h, key_mask, &position_bias);
    out.hidden_states.push_back(h);
  }
  out.last_hidden_state = pre_ln ? encoder_layer_norm(h) : h;
  return out;
}

}  // namespace merhan
