// Multi-head attention followed by Add&Norm: LayerNorm(query + MHA(query, kv, kv)).
// Used as MER-HAN's local intra-modal attention (kv = query, self-attention) and
// as the two CMA units (kv = the other modality).
#pragma once

#include <torch/torch.h>

namespace merhan {

class ResidualAttentionImpl : public torch::nn::Module {
 public:
  ResidualAttentionImpl(int64_t dim, int64_t heads);
  // query (B,Tq,D); key_value (B,Tk,D); key_mask (B,Tk) bool, true = valid key.
  // Every query row needs at least one valid key.
  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& key_value, const torch::Tensor& key_mask);

 private:
  int64_t heads_;
  torch::nn::MultiheadAttention attention_{nullptr};  // "attention"
  torch::nn::LayerNorm norm_{nullptr};                // "norm"
};
TORCH_MODULE(ResidualAttention);

}  // namespace merhan
