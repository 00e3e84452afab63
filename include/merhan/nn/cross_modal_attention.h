// MER-HAN's CMA block (docs/design.md §4). A 1D convolution ("same" padding) projects both
// streams to d; unit A attends from audio (queries) to text (keys/values) and unit T
// from text to audio, each followed by Add&Norm with its own projected stream.
// Without the units (Table 4 "without CMA") the projected streams pass through.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "merhan/nn/residual_attention.h"

namespace merhan {

struct CrossModalAttentionOptions {
  int64_t audio_dim = 512;
  int64_t text_dim = 768;
  int64_t dim = 256;  // d
  int64_t heads = 4;
  int64_t kernel = 1;     // odd
  bool use_units = true;  // false: projections only
};

class CrossModalAttentionImpl : public torch::nn::Module {
 public:
  explicit CrossModalAttentionImpl(const CrossModalAttentionOptions& options);
  // audio (B,Ta,audio_dim) + mask, text (B,Tt,text_dim) + mask ->
  // {audio-side (B,Ta,d), text-side (B,Tt,d)}.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& audio, const torch::Tensor& audio_mask,
                                                  const torch::Tensor& text, const torch::Tensor& text_mask);

 private:
  CrossModalAttentionOptions options_;
  torch::nn::Conv1d audio_projection_{nullptr};  // "audio_projection"
  torch::nn::Conv1d text_projection_{nullptr};   // "text_projection"
  ResidualAttention audio_unit_{nullptr};        // "audio_unit": Q = audio, K = V = text
  ResidualAttention text_unit_{nullptr};         // "text_unit":  Q = text,  K = V = audio
};
TORCH_MODULE(CrossModalAttention);

}  // namespace merhan
