// WavLM's gated relative position bias (Chen et al. 2022; transformers'
// WavLMAttention): a learned per-head bias indexed by the bucket of each relative
// position, computed once in layer 0 from that layer's table and passed to every
// layer, where a gate computed from the layer's own input scales it per head and query.
#pragma once

#include <torch/torch.h>

namespace merhan {

// The bucket (0 .. num_buckets - 1) of each relative position (key index minus
// query index), T5-style: half the buckets per sign; within a half, distances below
// num_buckets / 4 get a bucket each, longer ones share logarithmically spaced
// buckets up to max_distance, beyond which they share the half's last bucket.
// Computed with the same float32 operations as transformers, so the buckets are equal.
torch::Tensor RelativePositionBucket(const torch::Tensor& relative_positions, int64_t num_buckets,
                                     int64_t max_distance);

// (heads, T, T) bias of a T-frame sequence from the bucket table `embedding`
// (num_buckets, heads): [h, q, k] = embedding[bucket(k - q), h].
torch::Tensor RelativePositionBias(const torch::Tensor& embedding, int64_t frames, int64_t num_buckets,
                                   int64_t max_distance);

// The layer's gate applied to `position_bias` (heads, T, T): `hidden` (B, T, H) is
// the attention's input, split into heads of H/heads values, projected by
// `gate_linear` (head_dim -> 8) and summed in two groups of four: a, b = sigmoid(...);
// gate = a * (b * gate_const - 1) + 2, one per (batch, head, query). Returns the
// gated bias (B, heads, T, T).
torch::Tensor GatePositionBias(const torch::Tensor& hidden, torch::nn::Linear& gate_linear,
                               const torch::Tensor& gate_const, const torch::Tensor& position_bias);

}  // namespace merhan
