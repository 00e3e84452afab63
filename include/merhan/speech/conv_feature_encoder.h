// The convolutional front end of wav2vec 2.0-family encoders ("feature_extractor"):
// strided 1-D convolutions from the waveform to frames (20 ms apart with the
// standard strides), each followed by erf GELU; GroupNorm after the first (`group`)
// or LayerNorm over channels after each (`layer`). Submodules carry the checkpoint's
// names: conv_layers.N.conv, conv_layers.N.layer_norm. It computes in time-major
// layout, (B, T, C), with GEMMs rather than torch's conv1d (see the .cc).
#pragma once

#include <torch/torch.h>

#include "merhan/speech/speech_encoder_config.h"

namespace merhan {

// Which normalisation one convolution of the front end has.
enum class ConvLayerNorm { kNone, kGroupNorm, kLayerNorm };

struct SpeechConvLayerImpl : torch::nn::Module {
  SpeechConvLayerImpl(const SpeechEncoderConfig& config, size_t index, ConvLayerNorm norm);
  // (B, S) samples (the first layer) or (B, T, C_in) frames -> (B, T', C_out).
  torch::Tensor forward(const torch::Tensor& x);

  ConvLayerNorm norm;
  int64_t stride;
  torch::nn::Conv1d conv{nullptr};
  torch::nn::GroupNorm group_norm{nullptr};  // registered as "layer_norm" (HF's name)
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(SpeechConvLayer);

struct ConvFeatureEncoderImpl : torch::nn::Module {
  explicit ConvFeatureEncoderImpl(const SpeechEncoderConfig& config);
  // (B, S) waveforms -> (B, T, C) frames (time first, as the projection takes them).
  torch::Tensor forward(const torch::Tensor& waveforms);

  torch::nn::ModuleList conv_layers{nullptr};
};
TORCH_MODULE(ConvFeatureEncoder);

}  // namespace merhan
