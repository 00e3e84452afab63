#include "merhan/nn/masked_ops.h"

#include <string>

#include "merhan/util/error.h"

namespace merhan {

torch::Tensor ZeroInvalid(const torch::Tensor& x, const torch::Tensor& mask) {
  return x.masked_fill(mask.logical_not().unsqueeze(-1), 0.0);
}

torch::Tensor MaskedMean(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto weights = mask.to(x.scalar_type()).unsqueeze(-1);  // (B,T,1)
  const auto counts = weights.sum(1).clamp_min(1.0);            // (B,1)
  return (x * weights).sum(1) / counts;
}

torch::Tensor MaskedSoftmax(const torch::Tensor& scores, const torch::Tensor& mask) {
  // -inf gives exactly zero weight to padding; an all-padding row would be NaN,
  // so its weights are set to zero instead.
  auto weights = torch::softmax(scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity()), 1);
  return weights.masked_fill(mask.logical_not(), 0.0);
}

torch::Tensor PadTime(const torch::Tensor& x, int64_t length) {
  const int64_t missing = length - x.size(1);
  if (missing == 0) return x;
  if (x.dim() == 2) return torch::constant_pad_nd(x, {0, missing}, 0);
  return torch::constant_pad_nd(x, {0, 0, 0, missing}, 0);
}

void CheckStream(const torch::Tensor& x, const torch::Tensor& mask, int64_t feature_dim, const char* what) {
  const std::string name(what);
  if (!x.defined()) throw UsageError("model input: the batch has no " + name + " features");
  if (x.dim() != 3) throw UsageError("model input: " + name + " must be (batch, time, features)");
  if (x.size(2) != feature_dim) {
    throw UsageError("model input: the model expects " + name + " features of size " + std::to_string(feature_dim) +
                     " but the batch has " + std::to_string(x.size(2)) +
                     " (features from a different extractor or text encoder than the model was built for?)");
  }
  if (!mask.defined() || mask.dim() != 2 || mask.size(0) != x.size(0) || mask.size(1) != x.size(1) ||
      mask.scalar_type() != torch::kBool) {
    throw UsageError("model input: " + name + " mask must be a (batch, time) bool tensor matching the " + name);
  }
}

}  // namespace merhan
