#include "merhan/nn/early_fusion.h"

#include <string>

#include "merhan/nn/unimodal_mlp.h"
#include "merhan/util/error.h"

namespace merhan {

EarlyFusionImpl::EarlyFusionImpl(const ModelOptions& options, const ModelDims& dims) : inputs_(options.Inputs()) {
  int64_t total = 0;
  for (const std::string& name : inputs_) {
    // Standardised per stored feature (every kept hidden state's own statistics),
    // then mixed.
    const int64_t row = dims.RowDimOf(name);
    dims_.push_back(row);
    means_.push_back(register_buffer(name + "_mean", torch::zeros({row})));
    stds_.push_back(register_buffer(name + "_std", torch::ones({row})));
    mixes_.push_back(dims.LayersOf(name) > 1
                         ? register_module("layer_mix_" + name, LayerMix(name, dims.LayersOf(name), dims.DimOf(name)))
                         : LayerMix(nullptr));
    total += dims.DimOf(name);
  }
  const int64_t hidden = options.fusion_hidden;
  fc1_ = register_module("fc1", torch::nn::Linear(total, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, hidden / 2));
  output_ = register_module("output", torch::nn::Linear(hidden / 2, dims.num_classes));
}

void EarlyFusionImpl::SetInputStatistics(const InputStatistics& stats) {
  auto copy = [](torch::Tensor& buffer, const torch::Tensor& value, const std::string& name) {
    if (!value.defined() || value.dim() != 1 || value.size(0) != buffer.size(0)) {
      throw InternalError("EarlyFusion::SetInputStatistics: " + name + " must have " + std::to_string(buffer.size(0)) +
                          " entries");
    }
    torch::NoGradGuard no_grad;
    buffer.copy_(value.to(buffer.device(), buffer.scalar_type()));
  };
  for (size_t k = 0; k < inputs_.size(); ++k) {
    const auto [mean, std] = stats.Of(inputs_[k]);
    copy(means_[k], mean, inputs_[k] + "_mean");
    copy(stds_[k], std, inputs_[k] + "_std");
  }
}

torch::Tensor EarlyFusionImpl::forward(const Batch& batch) {
  std::vector<torch::Tensor> parts;
  for (size_t k = 0; k < inputs_.size(); ++k) {
    const torch::Tensor standardized = (PooledStream(batch, inputs_[k], dims_[k]) - means_[k]) / stds_[k];
    parts.push_back(mixes_[k] ? mixes_[k]->forward(standardized) : standardized);
  }
  auto h = torch::relu(fc1_->forward(torch::cat(parts, -1)));
  h = torch::relu(fc2_->forward(h));
  return output_->forward(h);
}

}  // namespace merhan
