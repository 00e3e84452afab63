#include "merhan/nn/residual_attention.h"

namespace merhan {

ResidualAttentionImpl::ResidualAttentionImpl(int64_t dim, int64_t heads) : heads_(heads) {
  // Registered for its parameters (and their names in checkpoints, and PyTorch's
  // initialisation); forward runs them through scaled_dot_product_attention.
  attention_ =
      register_module("attention", torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(dim, heads)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
}

torch::Tensor ResidualAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key_value,
                                             const torch::Tensor& key_mask) {
  // LibTorch's MultiheadAttention::forward materialises (B*heads, Tq, Tk) scores and
  // masks them with masked_fill; over ~400 audio frames that was most of an epoch.
  // scaled_dot_product_attention fuses scores, mask and softmax (flash kernel on CPU
  // and CUDA), forward and backward, with the same result.
  namespace F = torch::nn::functional;
  const int64_t batch = query.size(0), tq = query.size(1), tk = key_value.size(1), dim = query.size(2);
  const int64_t head_dim = dim / heads_;
  const auto& w = attention_->in_proj_weight;
  const auto& b = attention_->in_proj_bias;
  torch::Tensor q, k, v;
  if (query.is_same(key_value)) {  // self-attention: one projection for q, k and v
    auto qkv = F::linear(query, w, b).chunk(3, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    q = F::linear(query, w.narrow(0, 0, dim), b.narrow(0, 0, dim));
    auto kv = F::linear(key_value, w.narrow(0, dim, 2 * dim), b.narrow(0, dim, 2 * dim)).chunk(2, -1);
    k = kv[0], v = kv[1];
  }
  auto heads = [&](const torch::Tensor& x, int64_t t) { return x.view({batch, t, heads_, head_dim}).transpose(1, 2); };
  const auto mask = key_mask.view({batch, 1, 1, tk});  // true = attend
  const double dropout = is_training() ? attention_->options.dropout() : 0.0;
  auto attended = at::scaled_dot_product_attention(heads(q, tq), heads(k, tk), heads(v, tk), mask, dropout);
  attended = attended.transpose(1, 2).reshape({batch, tq, dim});
  attended = F::linear(attended, attention_->out_proj->weight, attention_->out_proj->bias);
  return norm_->forward(query + attended);
}

}  // namespace merhan
