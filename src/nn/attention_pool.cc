#include "merhan/nn/attention_pool.h"

#include "merhan/nn/masked_ops.h"

namespace merhan {

AttentionPoolImpl::AttentionPoolImpl(int64_t dim) {
  projection_ = register_module("projection", torch::nn::Linear(dim, dim));
  score_ = register_module("score", torch::nn::Linear(torch::nn::LinearOptions(dim, 1).bias(false)));
}

torch::Tensor AttentionPoolImpl::Weights(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto scores = score_->forward(torch::tanh(projection_->forward(x))).squeeze(-1);  // (B,T)
  return MaskedSoftmax(scores, mask);
}

torch::Tensor AttentionPoolImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto alpha = Weights(x, mask);
  // Zeroing invalid positions first keeps 0 * (anything non-finite) out of the sum.
  return torch::bmm(alpha.unsqueeze(1), ZeroInvalid(x, mask)).squeeze(1);
}

}  // namespace merhan
