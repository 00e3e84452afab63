// The graph of a self-supervised speech encoder (wav2vec 2.0, HuBERT, WavLM,
// data2vec-audio) as a Hugging Face config.json describes it: every field that
// changes the computation, checked on reading (docs/speech_encoders.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merhan {

enum class SpeechModelType { kWav2Vec2, kHubert, kWavLM, kData2VecAudio };

// How the convolutional front end normalises: `group` = GroupNorm (one group per
// channel, over time) after the first convolution only; `layer` = LayerNorm over
// channels after every convolution (data2vec-audio always).
enum class ConvNorm { kGroup, kLayer };

// Where the transformer layers normalise: post-LN (wav2vec2-base family: the encoder
// normalises its input, each layer after its residual sums) or pre-LN
// (`do_stable_layer_norm`: each layer normalises before its sublayers, the encoder
// after its last layer).
enum class LayerNormPlacement { kPost, kPre };

// The positional convolution in front of the transformer layers.
enum class PositionalConv {
  kWeightNorm,  // one grouped conv with weight normalisation (dim 2), then GELU
  kBatchNorm,   // HuBERT `conv_pos_batch_norm`: BatchNorm1d, then a plain grouped conv, then GELU
  kStacked,     // data2vec-audio: `num_conv_pos_embeddings` layers of conv, LayerNorm (no affine), GELU
};

const char* ToString(SpeechModelType type);
// The prefix a task checkpoint (…ForSequenceClassification, …ForCTC) puts before the
// encoder's keys: "wav2vec2", "hubert", "wavlm", "data2vec_audio".
const char* TaskPrefix(SpeechModelType type);

struct SpeechEncoderConfig {
  SpeechModelType model_type = SpeechModelType::kWav2Vec2;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  double layer_norm_eps = 1e-5;  // feature projection and transformer LayerNorms
  // Dropout in the transformer layers, in training mode only (top layers trained in a
  // model, speech/speech_tuned_model.h); extraction runs in eval mode and has none.
  double hidden_dropout = 0.1;      // after attention and after the feed-forward output
  double attention_dropout = 0.1;   // on the attention weights
  double activation_dropout = 0.1;  // after the feed-forward GELU

  ConvNorm conv_norm = ConvNorm::kGroup;
  std::vector<int64_t> conv_dim{512, 512, 512, 512, 512, 512, 512};
  std::vector<int64_t> conv_kernel{10, 3, 3, 3, 3, 2, 2};
  std::vector<int64_t> conv_stride{5, 2, 2, 2, 2, 2, 2};
  bool conv_bias = false;

  PositionalConv positional_conv = PositionalConv::kWeightNorm;
  // Kernel of the positional conv; data2vec-audio: the number of stacked layers.
  int64_t num_conv_pos_embeddings = 128;
  int64_t num_conv_pos_embedding_groups = 16;
  int64_t conv_pos_kernel_size = 19;  // data2vec-audio: kernel of each stacked layer

  LayerNormPlacement layer_norm_placement = LayerNormPlacement::kPost;
  bool feat_proj_layer_norm = true;  // HuBERT may drop the feature projection's LayerNorm

  // WavLM's gated relative position bias (unused by the other types).
  int64_t num_buckets = 320;
  int64_t max_bucket_distance = 800;

  std::vector<std::string> architectures;  // config.json "architectures", e.g. WavLMForSequenceClassification

  // Reads config.json. DataError naming the file and the field for a missing or
  // malformed file, an unknown model_type, or a value this implementation does not
  // compute (an adapter, an activation other than erf GELU, ...), with what is supported.
  static SpeechEncoderConfig FromJson(const std::string& path);
  // DataError "<origin>: <field> ..." for inconsistent sizes.
  void Validate(const std::string& origin) const;
  std::string ToString() const;

  // Frames the convolutional front end makes of `samples` samples (HF
  // _get_feat_extract_output_lengths); 0 when the input is shorter than its
  // receptive field.
  int64_t FramesFor(int64_t samples) const;
  // Fewest samples that give one frame (400 = 25 ms for the standard front end).
  int64_t MinSamples() const;
  // Samples per frame (the product of the strides: 320 = 20 ms).
  int64_t TotalStride() const;
  bool HasRelativePositionBias() const { return model_type == SpeechModelType::kWavLM; }
};

}  // namespace merhan
