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
  // Packing needs the lengths on the CPU; packing (instead of running over the
  // padding) keeps the backward direction from starting in padded frames.
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
  namespace rnn = torch::nn::utils::rnn;
  const auto packed = rnn::pack_padded_sequence(audio, cpu_lengths, /*batch_first=*/true,
                                                /*enforce_sorted=*/false);
  const auto encoded = std::get<0>(lstm_->forward_with_packed_input(packed));
  auto out = std::get<0>(rnn::pad_packed_sequence(encoded, /*batch_first=*/true, /*padding_value=*/0.0,
                                                  /*total_length=*/frames));
  if (local_attention_) out = local_attention_->forward(out, out, mask);
  return out;
}

}  // namespace merhan
