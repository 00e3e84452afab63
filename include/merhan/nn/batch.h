// A padded mini-batch as the models consume it (below the models: nn/ never
// includes data/, docs/design.md §2; data/collate.h fills it). Audio and text streams have
// their own lengths; masks are true at valid positions.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace merhan {

// One padded stream: values (B, T, C), mask (B, T) true at valid positions,
// lengths (B) int64.
struct PaddedStream {
  torch::Tensor values, mask, lengths;
};

struct Batch {
  std::vector<std::string> ids;  // utterance ids, batch order
  torch::Tensor audio;           // (B, Ta, n_mfcc) float
  torch::Tensor audio_lengths;   // (B) int64, frames
  torch::Tensor audio_mask;      // (B, Ta) bool
  // Frozen text encoder: its cached last hidden state.
  torch::Tensor text;       // (B, Tt, H) float, or undefined when the model runs the encoder
  torch::Tensor text_mask;  // (B, Tt) bool
  // Trainable text encoder: the tokens, encoded inside the model.
  torch::Tensor input_ids;       // (B, Tt) int64, or undefined
  torch::Tensor token_type_ids;  // (B, Tt) int64, or undefined
  torch::Tensor labels;          // (B) int64; -1 where unknown (predict)
  // Precomputed streams (data.streams) by their declared names.
  std::map<std::string, PaddedStream> streams;

  int64_t size() const { return static_cast<int64_t>(ids.size()); }
  // The precomputed stream `name`; InternalError naming the streams there are.
  const PaddedStream& Stream(const std::string& name) const;
  // A model input by its model.streams name: "audio" (MFCC: audio, audio_mask,
  // audio_lengths), "text" (the encoder's states and text_mask; no lengths) or a
  // precomputed stream. Models read every stream through this, so a stream feeds
  // the same code whichever it is.
  PaddedStream Input(const std::string& name) const;
  // Moves every defined tensor to `device`.
  Batch To(const torch::Device& device) const;
};

}  // namespace merhan
