#include "merhan/speech/positional_conv_embedding.h"

#include <ATen/autocast_mode.h>

namespace merhan {
namespace {

torch::nn::Conv1d GroupedConv(const SpeechEncoderConfig& c, int64_t kernel) {
  return torch::nn::Conv1d(torch::nn::Conv1dOptions(c.hidden_size, c.hidden_size, kernel)
                               .padding(kernel / 2)
                               .groups(c.num_conv_pos_embedding_groups));
}

// "Same" output length: an even kernel with padding kernel/2 makes one frame too many.
torch::Tensor DropExtraFrame(const torch::Tensor& x, int64_t kernel) {
  return kernel % 2 == 0 ? x.slice(2, 0, x.size(2) - 1) : x;
}

// Zeroes padded frames of (B, H, T); a no-op without a mask.
torch::Tensor ZeroPadding(const torch::Tensor& x, const torch::Tensor& frame_mask) {
  return frame_mask.defined() ? x * frame_mask.unsqueeze(1).to(x.scalar_type()) : x;
}

// Below this many taps torch's direct convolution is as fast (data2vec's stacked layers
// have 19).
constexpr int64_t kMinFftKernel = 32;

}  // namespace

StackedPositionalConvLayerImpl::StackedPositionalConvLayerImpl(const SpeechEncoderConfig& c)
    : kernel(c.conv_pos_kernel_size) {
  conv = register_module("conv", GroupedConv(c, kernel));
  layer_norm = register_module(
      "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).elementwise_affine(false)));
}

torch::Tensor StackedPositionalConvLayerImpl::forward(const torch::Tensor& x) {
  auto y = DropExtraFrame(conv(x), kernel);
  y = layer_norm(y.transpose(1, 2)).transpose(1, 2);
  return torch::gelu(y);
}

PositionalConvEmbeddingImpl::PositionalConvEmbeddingImpl(const SpeechEncoderConfig& c)
    : kind(c.positional_conv), kernel(c.num_conv_pos_embeddings) {
  if (kind == PositionalConv::kStacked) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_conv_pos_embeddings; ++i) layers->push_back(StackedPositionalConvLayer(c));
    return;
  }
  if (kind == PositionalConv::kBatchNorm) {
    batch_norm = register_module("batch_norm", torch::nn::BatchNorm1d(c.hidden_size));
  }
  conv = register_module("conv", GroupedConv(c, kernel));
  fft_cache = std::make_shared<FftGroupedConvCache>();
}

// The FFT form is exact to float rounding (within 2e-6 of conv1d at the base shapes) but
// has no autograd and computes in float32: it serves frozen float32 CPU inference, and
// everything else (training through this convolution, bf16 autocast, CUDA) keeps conv1d.
bool PositionalConvEmbeddingImpl::UseFft(const torch::Tensor& y) const {
  const bool needs_grad = torch::GradMode::is_enabled() && (conv->weight.requires_grad() || y.requires_grad());
  return kernel >= kMinFftKernel && y.device().is_cpu() && y.scalar_type() == torch::kFloat && !needs_grad &&
         !at::autocast::is_autocast_enabled(torch::kCPU);
}

torch::Tensor PositionalConvEmbeddingImpl::SameLengthConv(const torch::Tensor& y) {
  if (!UseFft(y)) return DropExtraFrame(conv(y), kernel);
  return fft_cache->For(conv->weight, conv->options.groups())->Forward(y, conv->bias);
}

torch::Tensor PositionalConvEmbeddingImpl::forward(const torch::Tensor& x, const torch::Tensor& frame_mask) {
  auto y = x.transpose(1, 2);
  if (kind == PositionalConv::kStacked) {
    for (size_t i = 0; i < layers->size(); ++i) {
      if (i > 0) y = ZeroPadding(y, frame_mask);
      y = layers[i]->as<StackedPositionalConvLayerImpl>()->forward(y);
    }
    return y.transpose(1, 2);
  }
  if (kind == PositionalConv::kBatchNorm) y = ZeroPadding(batch_norm(y), frame_mask);
  return torch::gelu(SameLengthConv(y)).transpose(1, 2);
}

}  // namespace merhan
