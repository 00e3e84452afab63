#include "merhan/speech/relative_position_bias.h"

#include <cmath>

namespace merhan {

torch::Tensor RelativePositionBucket(const torch::Tensor& relative_positions, int64_t num_buckets,
                                     int64_t max_distance) {
  const int64_t half = num_buckets / 2;  // buckets per sign
  const int64_t max_exact = half / 2;    // distances with a bucket of their own
  auto buckets = relative_positions.gt(0).to(torch::kLong) * half;
  const auto distance = relative_positions.abs();
  // float32 throughout, the scalars applied as transformers applies them.
  auto log_ratio = torch::log(distance.to(torch::kFloat) / max_exact);
  log_ratio = log_ratio / std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact));
  log_ratio = log_ratio * (half - max_exact);
  auto large = (log_ratio + max_exact).to(torch::kLong).clamp_max(half - 1);
  return buckets + torch::where(distance.lt(max_exact), distance, large);
}

torch::Tensor RelativePositionBias(const torch::Tensor& embedding, int64_t frames, int64_t num_buckets,
                                   int64_t max_distance) {
  const auto options = torch::TensorOptions().dtype(torch::kLong).device(embedding.device());
  const auto positions = torch::arange(frames, options);
  const auto relative = positions.unsqueeze(0) - positions.unsqueeze(1);  // [q, k] = k - q
  const auto buckets = RelativePositionBucket(relative, num_buckets, max_distance);
  return torch::embedding(embedding, buckets).permute({2, 0, 1});  // (heads, T, T)
}

torch::Tensor GatePositionBias(const torch::Tensor& hidden, torch::nn::Linear& gate_linear,
                               const torch::Tensor& gate_const, const torch::Tensor& position_bias) {
  const int64_t b = hidden.size(0), t = hidden.size(1), heads = gate_const.size(1);
  const auto per_head = hidden.view({b, t, heads, -1}).permute({0, 2, 1, 3});  // (B, heads, T, d)
  const auto proj = gate_linear(per_head).view({b, heads, t, 2, 4}).sum(-1);   // (B, heads, T, 2)
  const auto gates = torch::sigmoid(proj);
  const auto a = gates.slice(-1, 0, 1), g = gates.slice(-1, 1, 2);
  const auto gate = a * (g * gate_const - 1.0) + 2.0;  // (B, heads, T, 1)
  return gate * position_bias.unsqueeze(0);
}

}  // namespace merhan
