// The convolutional relative positional embedding in front of the transformer
// layers ("encoder.pos_conv_embed"), in the three forms of the supported models:
//  - weight-normed grouped convolution (wav2vec 2.0, HuBERT, WavLM): "conv" with
//    kernel num_conv_pos_embeddings, padding kernel/2, the last frame dropped for an
//    even kernel, then GELU. Checkpoints store the weight as magnitude g and
//    direction v (weight_g/weight_v or parametrizations.weight.original0/1); the
//    loader folds them into conv.weight (speech_weights.h);
//  - HuBERT conv_pos_batch_norm: "batch_norm" (BatchNorm1d, running statistics)
//    before a plain grouped "conv";
//  - data2vec-audio: "layers.N" (N < num_conv_pos_embeddings), each a grouped conv
//    of kernel conv_pos_kernel_size, LayerNorm over channels without affine
//    parameters, GELU.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "merhan/speech/fft_grouped_conv.h"
#include "merhan/speech/speech_encoder_config.h"

namespace merhan {

struct StackedPositionalConvLayerImpl : torch::nn::Module {
  explicit StackedPositionalConvLayerImpl(const SpeechEncoderConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // (B, H, T) -> (B, H, T)

  int64_t kernel;
  torch::nn::Conv1d conv{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(StackedPositionalConvLayer);

struct PositionalConvEmbeddingImpl : torch::nn::Module {
  explicit PositionalConvEmbeddingImpl(const SpeechEncoderConfig& config);
  // x: (B, T, H) with padded frames already zero; frame_mask: (B, T) bool (true =
  // valid) or undefined for unpadded input. With a mask, padded frames are zeroed
  // again wherever an operation made them non-zero before the next convolution
  // reads them (after HuBERT's BatchNorm, between data2vec's stacked layers), so a
  // padded utterance gets what it gets alone. Returns (B, T, H).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& frame_mask);

  bool UseFft(const torch::Tensor& y) const;
  // (B, H, T) -> (B, H, T): "conv" with the extra frame of an even kernel dropped.
  torch::Tensor SameLengthConv(const torch::Tensor& y);

  PositionalConv kind;
  int64_t kernel;
  std::shared_ptr<FftGroupedConvCache> fft_cache;  // kWeightNorm, kBatchNorm
  torch::nn::Conv1d conv{nullptr};                 // kWeightNorm, kBatchNorm
  torch::nn::BatchNorm1d batch_norm{nullptr};      // kBatchNorm
  torch::nn::ModuleList layers{nullptr};           // kStacked
};
TORCH_MODULE(PositionalConvEmbedding);

}  // namespace merhan
