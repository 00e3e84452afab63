// A padded mini-batch as the models consume it. Audio and text streams have
// their own lengths; masks are true at valid positions.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace merhan {

struct Batch {
  std::vector<std::string> ids;   // utterance ids, batch order
  torch::Tensor audio;            // (B, Ta, n_mfcc) float
  torch::Tensor audio_lengths;    // (B) int64, frames
  torch::Tensor audio_mask;       // (B, Ta) bool
  // Frozen text encoder: its cached last hidden state.
  torch::Tensor text;             // (B, Tt, H) float, or undefined when the model runs the encoder
  torch::Tensor text_mask;        // (B, Tt) bool
  // Trainable text encoder: the tokens, encoded inside the model.
  torch::Tensor input_ids;        // (B, Tt) int64, or undefined
  torch::Tensor token_type_ids;   // (B, Tt) int64, or undefined
  torch::Tensor labels;           // (B) int64; -1 where unknown (predict)

  int64_t size() const { return static_cast<int64_t>(ids.size()); }
  // Moves every defined tensor to `device`.
  Batch To(const torch::Device& device) const;
};

}  // namespace merhan
