#include "merhan/nn/input_statistics.h"

#include "merhan/nn/unimodal_mlp.h"
#include "merhan/util/error.h"

namespace merhan {

InputStatisticsAccumulator::InputStatisticsAccumulator(int64_t audio_dim, int64_t text_dim)
    : audio_dim_(audio_dim), text_dim_(text_dim) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  audio_sum_ = torch::zeros({audio_dim}, f64);
  audio_sq_ = torch::zeros({audio_dim}, f64);
  text_sum_ = torch::zeros({text_dim}, f64);
  text_sq_ = torch::zeros({text_dim}, f64);
}

void InputStatisticsAccumulator::Add(const Batch& batch) {
  torch::NoGradGuard no_grad;
  const auto audio = PooledStream(batch, "audio", audio_dim_).to(torch::kCPU, torch::kFloat64);
  const auto text = PooledStream(batch, "text", text_dim_).to(torch::kCPU, torch::kFloat64);
  audio_sum_ += audio.sum(0);
  audio_sq_ += audio.square().sum(0);
  text_sum_ += text.sum(0);
  text_sq_ += text.square().sum(0);
  count_ += audio.size(0);
}

InputStatistics InputStatisticsAccumulator::Finish() const {
  if (count_ == 0) throw InternalError("InputStatisticsAccumulator: no utterances were added");
  auto moments = [&](const torch::Tensor& sum, const torch::Tensor& sq) {
    const auto mean = sum / static_cast<double>(count_);
    const auto var = (sq / static_cast<double>(count_) - mean.square()).clamp_min(0.0);
    auto std = var.sqrt();
    std = torch::where(std < 1e-8, torch::ones_like(std), std);
    return std::make_pair(mean.to(torch::kFloat32), std.to(torch::kFloat32));
  };
  InputStatistics stats;
  std::tie(stats.audio_mean, stats.audio_std) = moments(audio_sum_, audio_sq_);
  std::tie(stats.text_mean, stats.text_std) = moments(text_sum_, text_sq_);
  return stats;
}

}  // namespace merhan
