#include "merhan/nn/early_fusion.h"

#include <string>

#include "merhan/nn/unimodal_mlp.h"
#include "merhan/util/error.h"

namespace merhan {

EarlyFusionImpl::EarlyFusionImpl(const ModelOptions& options, const ModelDims& dims) : dims_(dims) {
  audio_mean_ = register_buffer("audio_mean", torch::zeros({dims.audio_dim}));
  audio_std_ = register_buffer("audio_std", torch::ones({dims.audio_dim}));
  text_mean_ = register_buffer("text_mean", torch::zeros({dims.text_dim}));
  text_std_ = register_buffer("text_std", torch::ones({dims.text_dim}));
  const int64_t hidden = options.fusion_hidden;
  fc1_ = register_module("fc1", torch::nn::Linear(dims.audio_dim + dims.text_dim, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, hidden / 2));
  output_ = register_module("output", torch::nn::Linear(hidden / 2, dims.num_classes));
}

void EarlyFusionImpl::SetInputStatistics(const InputStatistics& stats) {
  auto copy = [](torch::Tensor& buffer, const torch::Tensor& value, const char* name) {
    if (!value.defined() || value.dim() != 1 || value.size(0) != buffer.size(0)) {
      throw InternalError(std::string("EarlyFusion::SetInputStatistics: ") + name + " must have " +
                          std::to_string(buffer.size(0)) + " entries");
    }
    torch::NoGradGuard no_grad;
    buffer.copy_(value.to(buffer.device(), buffer.scalar_type()));
  };
  copy(audio_mean_, stats.audio_mean, "audio_mean");
  copy(audio_std_, stats.audio_std, "audio_std");
  copy(text_mean_, stats.text_mean, "text_mean");
  copy(text_std_, stats.text_std, "text_std");
}

torch::Tensor EarlyFusionImpl::forward(const Batch& batch) {
  const auto audio = (PooledStream(batch, "audio", dims_.audio_dim) - audio_mean_) / audio_std_;
  const auto text = (PooledStream(batch, "text", dims_.text_dim) - text_mean_) / text_std_;
  auto h = torch::relu(fc1_->forward(torch::cat({audio, text}, -1)));
  h = torch::relu(fc2_->forward(h));
  return output_->forward(h);
}

}  // namespace merhan
