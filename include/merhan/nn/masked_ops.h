// Small tensor helpers that honour padding masks (true = valid position), so that
// padding can never change the output for a valid item.
#pragma once

#include <torch/torch.h>

namespace merhan {

// x (B,T,D) with every invalid position set to 0.
torch::Tensor ZeroInvalid(const torch::Tensor& x, const torch::Tensor& mask);

// Mean over the valid positions of x (B,T,D) -> (B,D). Items without a valid
// position give 0 (not NaN).
torch::Tensor MaskedMean(const torch::Tensor& x, const torch::Tensor& mask);

// Softmax over dim 1 of scores (B,T) with invalid positions at exactly 0.
torch::Tensor MaskedSoftmax(const torch::Tensor& scores, const torch::Tensor& mask);

// Pads x (B,T,D) with zeros along time to `length` >= T; mask (B,T) likewise with false.
torch::Tensor PadTime(const torch::Tensor& x, int64_t length);

// Checks a (B,T,D) float stream and its (B,T) bool mask against each other and the
// expected feature size; UsageError naming `what` otherwise.
void CheckStream(const torch::Tensor& x, const torch::Tensor& mask, int64_t feature_dim, const char* what);

}  // namespace merhan
