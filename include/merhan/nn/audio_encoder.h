// MER-HAN's audio ATE branch (docs/design.md §4): MFCC frames -> BiLSTM (each direction
// on padded input, outputs equal to a packed LSTM's; T7) -> optional local intra-modal
// self-attention (Add&Norm).
#pragma once

#include <torch/torch.h>

#include "merhan/nn/residual_attention.h"

namespace merhan {

struct AudioEncoderOptions {
  int64_t input_dim = 40;
  int64_t hidden = 256;  // per direction
  int64_t layers = 2;
  int64_t heads = 4;
  bool local_attention = true;
};

class AudioEncoderImpl : public torch::nn::Module {
 public:
  explicit AudioEncoderImpl(const AudioEncoderOptions& options);
  // audio (B,Ta,F), lengths (B) int64 (any device), mask (B,Ta) -> (B,Ta,2*hidden).
  // Positions past an item's length are 0 before the attention; downstream code
  // must keep honouring the mask.
  torch::Tensor forward(const torch::Tensor& audio, const torch::Tensor& lengths, const torch::Tensor& mask);
  int64_t output_dim() const { return 2 * options_.hidden; }

 private:
  AudioEncoderOptions options_;
  torch::nn::LSTM lstm_{nullptr};               // "lstm"
  ResidualAttention local_attention_{nullptr};  // "local_attention" (optional)
};
TORCH_MODULE(AudioEncoder);

}  // namespace merhan
