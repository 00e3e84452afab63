#include "merhan/data/batch.h"

namespace merhan {

Batch Batch::To(const torch::Device& device) const {
  auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device, /*non_blocking=*/true) : t; };
  Batch b;
  b.ids = ids;
  b.audio = move(audio);
  b.audio_lengths = move(audio_lengths);
  b.audio_mask = move(audio_mask);
  b.text = move(text);
  b.text_mask = move(text_mask);
  b.input_ids = move(input_ids);
  b.token_type_ids = move(token_type_ids);
  b.labels = move(labels);
  return b;
}

}  // namespace merhan
