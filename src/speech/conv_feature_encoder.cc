#include "merhan/speech/conv_feature_encoder.h"

namespace merhan {

SpeechConvLayerImpl::SpeechConvLayerImpl(const SpeechEncoderConfig& c, size_t i, ConvLayerNorm n) : norm(n) {
  const int64_t in = i == 0 ? 1 : c.conv_dim[i - 1];
  const int64_t out = c.conv_dim[i];
  conv = register_module(
      "conv", torch::nn::Conv1d(
                  torch::nn::Conv1dOptions(in, out, c.conv_kernel[i]).stride(c.conv_stride[i]).bias(c.conv_bias)));
  // torch's defaults (eps 1e-5, affine), as transformers builds them: not layer_norm_eps.
  if (norm == ConvLayerNorm::kGroupNorm) {
    group_norm = register_module("layer_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(out, out)));
  } else if (norm == ConvLayerNorm::kLayerNorm) {
    layer_norm = register_module("layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})));
  }
}

torch::Tensor SpeechConvLayerImpl::forward(const torch::Tensor& x) {
  auto y = conv(x);
  if (norm == ConvLayerNorm::kGroupNorm) y = group_norm(y);
  if (norm == ConvLayerNorm::kLayerNorm) y = layer_norm(y.transpose(1, 2)).transpose(1, 2);
  return torch::gelu(y);
}

ConvFeatureEncoderImpl::ConvFeatureEncoderImpl(const SpeechEncoderConfig& c) {
  conv_layers = register_module("conv_layers", torch::nn::ModuleList());
  for (size_t i = 0; i < c.conv_dim.size(); ++i) {
    ConvLayerNorm norm = ConvLayerNorm::kLayerNorm;
    if (c.conv_norm == ConvNorm::kGroup) norm = i == 0 ? ConvLayerNorm::kGroupNorm : ConvLayerNorm::kNone;
    conv_layers->push_back(SpeechConvLayer(c, i, norm));
  }
}

torch::Tensor ConvFeatureEncoderImpl::forward(const torch::Tensor& waveforms) {
  auto x = waveforms.unsqueeze(1);
  for (const auto& layer : *conv_layers) x = layer->as<SpeechConvLayerImpl>()->forward(x);
  return x.transpose(1, 2);
}

}  // namespace merhan
