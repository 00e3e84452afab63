// Masked additive attention pooling (MEC's global inter-modal attention, and the
// per-stream pooling of fusion.align=pool):
//   e_t = w^T tanh(W h_t + b),  alpha = masked softmax(e),  g = sum_t alpha_t h_t.
#pragma once

#include <torch/torch.h>

namespace merhan {

class AttentionPoolImpl : public torch::nn::Module {
 public:
  explicit AttentionPoolImpl(int64_t dim);
  // x (B,T,D), mask (B,T) bool -> (B,D). Invalid positions get exactly zero weight.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  // The attention weights alpha (B,T), for inspection.
  torch::Tensor Weights(const torch::Tensor& x, const torch::Tensor& mask);

 private:
  torch::nn::Linear projection_{nullptr};  // "projection": W, b (D -> D)
  torch::nn::Linear score_{nullptr};       // "score": w (D -> 1, no bias)
};
TORCH_MODULE(AttentionPool);

}  // namespace merhan
