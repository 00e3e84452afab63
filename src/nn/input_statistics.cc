#include "merhan/nn/input_statistics.h"

#include "merhan/nn/unimodal_mlp.h"
#include "merhan/util/error.h"

namespace merhan {

InputStatisticsAccumulator::InputStatisticsAccumulator(int64_t audio_dim, int64_t text_dim)
    : InputStatisticsAccumulator({{kAudioInput, audio_dim}, {kTextInput, text_dim}}) {}

InputStatisticsAccumulator::InputStatisticsAccumulator(std::vector<std::pair<std::string, int64_t>> streams)
    : streams_(std::move(streams)) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  for (const auto& [name, dim] : streams_) {
    sums_.push_back(torch::zeros({dim}, f64));
    squares_.push_back(torch::zeros({dim}, f64));
  }
}

void InputStatisticsAccumulator::Add(const Batch& batch) {
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < streams_.size(); ++k) {
    const auto pooled = PooledStream(batch, streams_[k].first, streams_[k].second).to(torch::kCPU, torch::kFloat64);
    sums_[k] += pooled.sum(0);
    squares_[k] += pooled.square().sum(0);
  }
  count_ += batch.size();
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
  for (size_t k = 0; k < streams_.size(); ++k) {
    const auto m = moments(sums_[k], squares_[k]);
    const std::string& name = streams_[k].first;
    if (name == kAudioInput) {
      std::tie(stats.audio_mean, stats.audio_std) = m;
    } else if (name == kTextInput) {
      std::tie(stats.text_mean, stats.text_std) = m;
    } else {
      stats.streams[name] = m;
    }
  }
  return stats;
}

}  // namespace merhan
