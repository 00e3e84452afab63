// SUPERB's weighted sum of a speech encoder's hidden states: a stream that keeps L
// hidden states of size H per frame (rows of L * H, data/speech_encoder_stream.h) is
// read as sum_l softmax(w)_l * h_l, with w learned and initialised to zeros (uniform
// weights). Mixing is linear, so it commutes with masked mean pooling: the pooled
// baselines mix after pooling, MER-HAN before its audio branch.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace merhan {

class LayerMixImpl : public torch::nn::Module {
 public:
  LayerMixImpl(std::string stream, int64_t layers, int64_t dim);
  // (..., L * H) -> (..., H).
  torch::Tensor forward(const torch::Tensor& rows);
  // softmax(w): the weight of each kept hidden state, in the stream's order.
  std::vector<double> Weights() const;
  const std::string& stream() const { return stream_; }

 private:
  std::string stream_;
  int64_t layers_, dim_;
  torch::Tensor logits_;
};
TORCH_MODULE(LayerMix);

// Every LayerMix inside `model` by stream name (a stream read by several members of
// a model, as late fusion's, is listed once per member, "<stream>#<k>" after the first).
std::map<std::string, std::vector<double>> LayerMixWeights(const torch::nn::Module& model);

}  // namespace merhan
