#include "merhan/nn/audio_encoder.h"

#include <string>

#include "merhan/util/error.h"

namespace merhan {

AudioEncoderImpl::AudioEncoderImpl(const AudioEncoderOptions& options) : options_(options) {
  // No inter-layer LSTM dropout: MER-HAN's only dropout sits before the classifier.
  lstm_ = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(options.input_dim, options.hidden)
                                                      .num_layers(options.layers)
                                                      .bidirectional(true)
                                                      .batch_first(true)));
  if (options.local_attention) {
    local_attention_ = register_module("local_attention", ResidualAttention(output_dim(), options.heads));
  }
}

torch::Tensor AudioEncoderImpl::forward(const torch::Tensor& audio, const torch::Tensor& lengths,
                                        const torch::Tensor& mask) {
  const int64_t frames = audio.size(1);
  const auto cpu_lengths = lengths.to(torch::kCPU, torch::kInt64);
  if (cpu_lengths.dim() != 1 || cpu_lengths.size(0) != audio.size(0)) {
    throw UsageError("model input: audio_lengths must have one entry per utterance");
  }
  if (cpu_lengths.numel() > 0) {
    const int64_t shortest = cpu_lengths.min().item<int64_t>();
    const int64_t longest = cpu_lengths.max().item<int64_t>();
    if (shortest < 1 || longest > frames) {
      throw UsageError("model input: audio lengths must be in 1.." + std::to_string(frames) + ", got " +
                       std::to_string(shortest) + ".." + std::to_string(longest));
    }
  }
  // A packed bidirectional LSTM would give these outputs, but LibTorch's CPU
  // backward through packed sequences copies a full-size gradient per time step
  // (measured 22x slower at 380 frames). So each direction runs on padded input:
  // the forward direction reads the padding only after an utterance's end, and
  // the backward direction runs on each utterance reversed within its own length,
  // so no valid output ever sees padding. Padded outputs are zeroed, as
  // pad_packed_sequence does.
  const int64_t batch = audio.size(0);
  const auto positions =
      torch::arange(frames, lengths.options().dtype(torch::kInt64)).unsqueeze(0).expand({batch, frames});
  const auto valid_lengths = lengths.to(torch::kInt64).unsqueeze(1);
  const auto reversed = torch::where(positions < valid_lengths, valid_lengths - 1 - positions, positions);
  const auto valid = (positions < valid_lengths).unsqueeze(2).to(audio.dtype());
  auto params = lstm_->named_parameters(/*recurse=*/false);
  auto direction = [&](const torch::Tensor& x, const std::string& suffix) {
    const int64_t hidden = options_.hidden;
    const auto zeros = torch::zeros({1, batch, hidden}, x.options());
    std::vector<torch::Tensor> weights = {params["weight_ih" + suffix], params["weight_hh" + suffix],
                                          params["bias_ih" + suffix], params["bias_hh" + suffix]};
    return std::get<0>(at::lstm(x, {zeros, zeros}, weights, /*has_biases=*/true, /*num_layers=*/1,
                                /*dropout=*/0.0, is_training(), /*bidirectional=*/false, /*batch_first=*/true));
  };
  auto gather_time = [&](const torch::Tensor& x) {
    return x.gather(1, reversed.unsqueeze(2).expand({batch, frames, x.size(2)}));
  };
  torch::Tensor out = audio;
  for (int layer = 0; layer < options_.layers; ++layer) {
    const std::string l = "_l" + std::to_string(layer);
    const auto forward_dir = direction(out, l);
    const auto backward_dir = gather_time(direction(gather_time(out), l + "_reverse"));
    out = torch::cat({forward_dir, backward_dir}, 2) * valid;
  }
  if (local_attention_) out = local_attention_->forward(out, out, mask);
  return out;
}

}  // namespace merhan
