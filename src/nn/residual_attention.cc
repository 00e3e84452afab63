#include "merhan/nn/residual_attention.h"

namespace merhan {

ResidualAttentionImpl::ResidualAttentionImpl(int64_t dim, int64_t heads) {
  attention_ = register_module("attention", torch::nn::MultiheadAttention(
                                                torch::nn::MultiheadAttentionOptions(dim, heads)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
}

torch::Tensor ResidualAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key_value,
                                             const torch::Tensor& key_mask) {
  // LibTorch's MultiheadAttention is sequence-first (T,B,D) and its padding mask
  // is true where a key is ignored.
  const auto q = query.transpose(0, 1);
  const auto kv = key_value.transpose(0, 1);
  auto attended = std::get<0>(attention_->forward(q, kv, kv, key_mask.logical_not(),
                                                  /*need_weights=*/false));
  return norm_->forward(query + attended.transpose(0, 1));
}

}  // namespace merhan
