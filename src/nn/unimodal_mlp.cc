#include "merhan/nn/unimodal_mlp.h"

#include "merhan/nn/masked_ops.h"
#include "merhan/util/error.h"

namespace merhan {

torch::Tensor PooledStream(const Batch& batch, const std::string& modality, int64_t feature_dim) {
  const PaddedStream s = batch.Input(modality);
  CheckStream(s.values, s.mask, feature_dim, modality.c_str());
  return MaskedMean(s.values, s.mask);
}

UnimodalMlpImpl::UnimodalMlpImpl(const std::string& modality, int64_t input_dim, int64_t hidden, int64_t num_classes,
                                 int64_t layers)
    : modality_(modality), input_dim_(input_dim), layers_(layers) {
  if (layers > 1) layer_mix_ = register_module("layer_mix", LayerMix(modality, layers, input_dim));
  fc1_ = register_module("fc1", torch::nn::Linear(input_dim, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, hidden / 2));
  output_ = register_module("output", torch::nn::Linear(hidden / 2, num_classes));
}

torch::Tensor UnimodalMlpImpl::Classify(const torch::Tensor& pooled) {
  auto h = torch::relu(fc1_->forward(pooled));
  h = torch::relu(fc2_->forward(h));
  return output_->forward(h);
}

torch::Tensor UnimodalMlpImpl::forward(const Batch& batch) {
  const torch::Tensor pooled = PooledStream(batch, modality_, input_dim_ * layers_);
  return Classify(layer_mix_ ? layer_mix_->forward(pooled) : pooled);
}

}  // namespace merhan
