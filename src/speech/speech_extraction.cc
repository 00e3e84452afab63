#include "merhan/speech/speech_extraction.h"

#include <algorithm>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// Normalised utterances as one zero-padded (B, S_max) batch and their lengths.
std::pair<torch::Tensor, torch::Tensor> PadBatch(const LoadedSpeechEncoder& enc,
                                                 const std::vector<std::vector<float>>& waveforms) {
  size_t longest = 0;
  for (const auto& w : waveforms) longest = std::max(longest, w.size());
  const auto b = static_cast<int64_t>(waveforms.size());
  auto batch = torch::zeros({b, static_cast<int64_t>(longest)});
  auto lengths = torch::empty({b}, torch::kLong);
  for (int64_t i = 0; i < b; ++i) {
    const auto& raw = waveforms[static_cast<size_t>(i)];
    if (static_cast<int64_t>(raw.size()) < enc.config.MinSamples()) {
      throw DataError(Cat("utterance ", i, " has ", raw.size(), " samples; the speech encoder in ", enc.model_dir,
                          " needs at least ", enc.config.MinSamples(), " (", enc.config.MinSamples() / 16, " ms)"));
    }
    const auto x = NormalizeWaveform(raw, enc.preprocessor.normalization);
    std::copy(x.begin(), x.end(), batch[i].data_ptr<float>());
    lengths[i] = static_cast<int64_t>(x.size());
  }
  return {batch, lengths};
}

// Separate single-utterance outputs stacked into one padded output.
SpeechEncoderOutput Stack(const std::vector<SpeechEncoderOutput>& outs) {
  int64_t t_max = 0;
  for (const auto& o : outs) t_max = std::max(t_max, o.last_hidden_state.size(1));
  auto pad = [&](const torch::Tensor& x) { return torch::constant_pad_nd(x, {0, 0, 0, t_max - x.size(1)}, 0.0); };
  SpeechEncoderOutput r;
  std::vector<torch::Tensor> parts, lengths;
  for (size_t layer = 0; layer < outs.front().hidden_states.size(); ++layer) {
    parts.clear();
    for (const auto& o : outs) parts.push_back(pad(o.hidden_states[layer]));
    r.hidden_states.push_back(torch::cat(parts));
  }
  parts.clear();
  for (const auto& o : outs) {
    parts.push_back(pad(o.last_hidden_state));
    lengths.push_back(o.frame_lengths);
  }
  r.last_hidden_state = torch::cat(parts);
  r.frame_lengths = torch::cat(lengths);
  r.frame_mask = torch::arange(t_max, r.frame_lengths.device()).unsqueeze(0).lt(r.frame_lengths.unsqueeze(1));
  return r;
}

}  // namespace

SpeechEncoderOutput EncodeWaveforms(const LoadedSpeechEncoder& enc, const std::vector<std::vector<float>>& waveforms,
                                    SpeechBatching batching) {
  if (waveforms.empty()) throw InternalError("EncodeWaveforms: no utterances");
  torch::InferenceMode inference;
  SpeechEncoder model = enc.model;  // a handle: forward() is not const
  const auto parameters = model->parameters();
  const torch::Device device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  const bool one_at_a_time = batching == SpeechBatching::kOneAtATime || enc.config.conv_norm == ConvNorm::kGroup;
  if (!one_at_a_time || waveforms.size() == 1) {
    auto [batch, lengths] = PadBatch(enc, waveforms);
    return model->forward(batch.to(device), waveforms.size() == 1 ? torch::Tensor() : lengths.to(device));
  }
  std::vector<SpeechEncoderOutput> outs;
  for (const auto& w : waveforms) {
    auto [batch, lengths] = PadBatch(enc, {w});
    outs.push_back(model->forward(batch.to(device)));
  }
  return Stack(outs);
}

}  // namespace merhan
