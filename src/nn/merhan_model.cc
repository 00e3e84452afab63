#include "merhan/nn/merhan_model.h"

#include <string>
#include <vector>

#include "merhan/nn/masked_ops.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

MerhanModelImpl::MerhanModelImpl(const ModelOptions& options, const ModelDims& dims)
    : options_(options), audio_stream_(options.AudioBranchStream()), text_stream_(options.TextBranchStream()) {
  uses_audio_ = options.UsesAudio();
  uses_text_ = options.UsesText();
  const bool has_audio = !audio_stream_.empty(), has_text = !text_stream_.empty();
  const bool both = has_audio && has_text;
  const bool pool = options.align == "pool";
  if (has_audio) audio_dim_ = dims.DimOf(audio_stream_);
  if (has_text) text_dim_ = dims.DimOf(text_stream_);
  if (has_audio && dims.LayersOf(audio_stream_) > 1) {
    audio_mix_ = register_module("audio_layer_mix", LayerMix(audio_stream_, dims.LayersOf(audio_stream_), audio_dim_));
  }
  if (has_text && dims.LayersOf(text_stream_) > 1) {
    text_mix_ = register_module("text_layer_mix", LayerMix(text_stream_, dims.LayersOf(text_stream_), text_dim_));
  }
  if (has_text && text_dim_ % options.heads != 0) {
    throw UsageError(
        Cat("model.heads: must divide the text branch's feature size ", text_dim_, " (stream ", text_stream_, ")"));
  }

  int64_t stream_dim = 0;  // feature size of each stream entering the MEC
  if (has_audio) {
    AudioEncoderOptions audio;
    audio.input_dim = audio_dim_;
    audio.hidden = options.lstm_hidden;
    audio.layers = options.lstm_layers;
    audio.heads = options.heads;
    audio.local_attention = options.audio_local_attention;
    audio_encoder_ = register_module("audio_encoder", AudioEncoder(audio));
    stream_dim = audio_encoder_->output_dim();
  }
  if (has_text) {
    if (options.text_local_attention) {
      text_local_attention_ = register_module("text_local_attention", ResidualAttention(text_dim_, options.heads));
    }
    stream_dim = text_dim_;
  }
  if (both) {
    CrossModalAttentionOptions cma;
    cma.audio_dim = audio_encoder_->output_dim();
    cma.text_dim = text_dim_;
    cma.dim = options.cma_dim;
    cma.heads = options.heads;
    cma.kernel = options.conv_kernel;
    cma.use_units = options.use_cma;
    cma_ = register_module("cma", CrossModalAttention(cma));
    stream_dim = options.cma_dim;
  }
  fused_dim_ = both && options.combine == "concat" ? 2 * stream_dim : stream_dim;

  if (pool) {
    if (has_audio) audio_pool_ = register_module("audio_pool", AttentionPool(stream_dim));
    if (has_text) text_pool_ = register_module("text_pool", AttentionPool(stream_dim));
  } else if (options.use_global_attention) {
    global_attention_ = register_module("global_attention", AttentionPool(fused_dim_));
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout));
  classifier_ = register_module("classifier", torch::nn::Linear(fused_dim_, dims.num_classes));
}

torch::Tensor MerhanModelImpl::forward(const Batch& batch) {
  PaddedStream audio, text;
  if (!audio_stream_.empty()) audio = batch.Input(audio_stream_);
  if (!text_stream_.empty()) text = batch.Input(text_stream_);
  if (audio_mix_) audio.values = audio_mix_->forward(audio.values);
  if (text_mix_) text.values = text_mix_->forward(text.values);
  return Logits(audio.values, audio.lengths, audio.mask, text.values, text.mask);
}

torch::Tensor MerhanModelImpl::Logits(const torch::Tensor& audio, const torch::Tensor& audio_lengths,
                                      const torch::Tensor& audio_mask, const torch::Tensor& text_hidden,
                                      const torch::Tensor& text_mask) {
  // ATE: each branch on its own stream.
  std::vector<torch::Tensor> streams, masks;
  if (audio_encoder_) {
    CheckStream(audio, audio_mask, audio_dim_, audio_stream_.c_str());
    streams.push_back(audio_encoder_->forward(audio, audio_lengths, audio_mask));
    masks.push_back(audio_mask);
  }
  if (!text_stream_.empty()) {
    CheckStream(text_hidden, text_mask, text_dim_, text_stream_.c_str());
    streams.push_back(text_local_attention_ ? text_local_attention_->forward(text_hidden, text_hidden, text_mask)
                                            : text_hidden);
    masks.push_back(text_mask);
  }
  // CMA (both streams only).
  if (cma_) std::tie(streams[0], streams[1]) = cma_->forward(streams[0], masks[0], streams[1], masks[1]);

  const bool concat = options_.combine == "concat";
  torch::Tensor z;
  if (options_.align == "pool") {
    std::vector<torch::Tensor> vectors;
    if (audio_pool_) vectors.push_back(audio_pool_->forward(streams.front(), masks.front()));
    if (text_pool_) vectors.push_back(text_pool_->forward(streams.back(), masks.back()));
    z = vectors.size() == 1 ? vectors[0] : concat ? torch::cat(vectors, -1) : vectors[0] + vectors[1];
  } else {
    // Common length: each stream zero beyond its own length; a position is valid
    // if it is valid in either stream.
    int64_t length = 0;
    for (const auto& s : streams) length = std::max(length, s.size(1));
    torch::Tensor combined, mask;
    for (size_t i = 0; i < streams.size(); ++i) {
      const auto s = PadTime(ZeroInvalid(streams[i], masks[i]), length);
      const auto m = PadTime(masks[i], length);
      if (i == 0) {
        combined = s;
        mask = m;
      } else {
        combined = concat ? torch::cat({combined, s}, -1) : combined + s;
        mask = mask.logical_or(m);
      }
    }
    const auto skip = MaskedMean(combined, mask);
    z = global_attention_ ? global_attention_->forward(combined, mask) * skip : skip;
  }
  return classifier_->forward(dropout_->forward(z));
}

}  // namespace merhan
