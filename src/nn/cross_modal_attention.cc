#include "merhan/nn/cross_modal_attention.h"

#include "merhan/nn/masked_ops.h"

namespace merhan {
namespace {

torch::nn::Conv1d MakeProjection(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, kernel).padding(kernel / 2));
}

// (B,T,in) -> (B,T,out). Padded positions are zeroed first, so a kernel wider than
// 1 sees the same zeros at an item's end whatever the batch's padding is.
torch::Tensor Project(torch::nn::Conv1d& conv, const torch::Tensor& x, const torch::Tensor& mask) {
  return conv->forward(ZeroInvalid(x, mask).transpose(1, 2)).transpose(1, 2);
}

}  // namespace

CrossModalAttentionImpl::CrossModalAttentionImpl(const CrossModalAttentionOptions& options) : options_(options) {
  audio_projection_ =
      register_module("audio_projection", MakeProjection(options.audio_dim, options.dim, options.kernel));
  text_projection_ = register_module("text_projection", MakeProjection(options.text_dim, options.dim, options.kernel));
  if (options.use_units) {
    audio_unit_ = register_module("audio_unit", ResidualAttention(options.dim, options.heads));
    text_unit_ = register_module("text_unit", ResidualAttention(options.dim, options.heads));
  }
}

std::pair<torch::Tensor, torch::Tensor> CrossModalAttentionImpl::forward(const torch::Tensor& audio,
                                                                         const torch::Tensor& audio_mask,
                                                                         const torch::Tensor& text,
                                                                         const torch::Tensor& text_mask) {
  const auto audio_projected = Project(audio_projection_, audio, audio_mask);
  const auto text_projected = Project(text_projection_, text, text_mask);
  if (!options_.use_units) return {audio_projected, text_projected};
  return {audio_unit_->forward(audio_projected, text_projected, text_mask),
          text_unit_->forward(text_projected, audio_projected, audio_mask)};
}

}  // namespace merhan
