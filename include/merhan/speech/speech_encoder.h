// A self-supervised speech encoder (transformers' Wav2Vec2Model, HubertModel,
// WavLMModel, Data2VecAudioModel in eval mode): waveform -> convolutional front end
// -> feature projection -> positional convolution -> transformer layers. Submodules
// carry the checkpoint's names (feature_extractor.conv_layers.N.conv,
// feature_projection.projection, encoder.pos_conv_embed.conv, encoder.layers.N.
// attention.q_proj, ...), so weights copy over by name (speech_weights.h).
//
// Which hidden state is which (docs/speech_encoders.md): `hidden_states` are what
// transformers 5.x returns with output_hidden_states=True, L + 1 entries: entry 0 is
// the input of layer 0 (frames + positional embedding; after the encoder's LayerNorm
// in post-LN models), entry i the output of layer i - 1. In a pre-LN
// (`do_stable_layer_norm`) model the last entry is the last layer's output BEFORE the
// encoder's final LayerNorm (transformers 4.x gave it after), and
// `last_hidden_state` is after it; in a post-LN model the two are the same tensor.
// merhan's layer index N always means hidden_states[N] (embed-speech --layer N, the
// streams' layer lists); the final-LayerNorm output is `last_hidden_state`.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "merhan/speech/conv_feature_encoder.h"
#include "merhan/speech/positional_conv_embedding.h"
#include "merhan/speech/speech_encoder_config.h"
#include "merhan/speech/speech_encoder_layer.h"

namespace merhan {

struct SpeechEncoderOutput {
  std::vector<torch::Tensor> hidden_states;  // L + 1 entries of (B, T, H), see above
  torch::Tensor last_hidden_state;           // (B, T, H)
  torch::Tensor frame_lengths;               // (B,) int64: valid frames per utterance
  torch::Tensor frame_mask;                  // (B, T) bool, true = valid frame
};

// "feature_projection": LayerNorm (absent for HuBERT with feat_proj_layer_norm
// false) over the front end's channels, then a Linear to the hidden size.
struct FeatureProjectionImpl : torch::nn::Module {
  explicit FeatureProjectionImpl(const SpeechEncoderConfig& config);
  torch::Tensor forward(const torch::Tensor& frames);
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::nn::Linear projection{nullptr};
};
TORCH_MODULE(FeatureProjection);

class SpeechEncoderImpl : public torch::nn::Module {
 public:
  explicit SpeechEncoderImpl(const SpeechEncoderConfig& config);

  // waveforms: (B, S) float32, already normalised as the preprocessor says, padded
  // with zeros; sample_lengths: (B,) int64 valid samples per row, or undefined when
  // no row is padded. With lengths, padded frames are masked out of attention and
  // zeroed before the positional convolution (as transformers does with an
  // attention_mask), and again inside it where needed, so that for a layer-norm
  // front end each row's valid frames equal its single-utterance output. A
  // group-norm front end normalises over all samples, padding included: run such
  // models one utterance at a time (EncodeWaveforms does).
  SpeechEncoderOutput forward(const torch::Tensor& waveforms, const torch::Tensor& sample_lengths = {});

  const SpeechEncoderConfig& config() const { return config_; }

  ConvFeatureEncoder feature_extractor{nullptr};
  FeatureProjection feature_projection{nullptr};
  PositionalConvEmbedding pos_conv_embed{nullptr};   // "encoder.pos_conv_embed"
  torch::nn::LayerNorm encoder_layer_norm{nullptr};  // "encoder.layer_norm"
  torch::nn::ModuleList layers{nullptr};             // "encoder.layers"

 private:
  // Frame lengths and the (B, T) validity mask for `frames` frames; undefined mask
  // without sample lengths.
  void FrameMask(const torch::Tensor& sample_lengths, int64_t frames, SpeechEncoderOutput* out) const;
  SpeechEncoderConfig config_;
};
TORCH_MODULE(SpeechEncoder);

}  // namespace merhan
