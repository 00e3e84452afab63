#include "merhan/nn/batch.h"

#include "merhan/nn/model_options.h"
#include "merhan/util/error.h"

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
  for (const auto& [name, s] : streams) b.streams[name] = PaddedStream{move(s.values), move(s.mask), move(s.lengths)};
  return b;
}

const PaddedStream& Batch::Stream(const std::string& name) const {
  auto it = streams.find(name);
  if (it != streams.end()) return it->second;
  std::string have;
  for (const auto& [n, s] : streams) have += (have.empty() ? "" : ", ") + n;
  throw InternalError("batch has no stream \"" + name + "\" (it has: " + (have.empty() ? "none" : have) + ")");
}

PaddedStream Batch::Input(const std::string& name) const {
  if (name == kAudioInput) return PaddedStream{audio, audio_mask, audio_lengths};
  if (name == kTextInput) return PaddedStream{text, text_mask, {}};
  return Stream(name);
}

}  // namespace merhan
