// Fits InputStatistics (early fusion's standardisation) on the training split:
// per-feature mean and population standard deviation (ddof 0, like scikit-learn's
// StandardScaler) of every utterance's masked temporal mean, per stream.
// A feature with zero spread gets std 1 (StandardScaler does the same).
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "merhan/nn/batch.h"
#include "merhan/nn/emotion_model.h"

namespace merhan {

class InputStatisticsAccumulator {
 public:
  // The audio and text streams.
  InputStatisticsAccumulator(int64_t audio_dim, int64_t text_dim);
  // Any streams: (name, features) with names as in model.streams.
  explicit InputStatisticsAccumulator(std::vector<std::pair<std::string, int64_t>> streams);
  // Adds every utterance of a training batch (needs each stream with its mask).
  void Add(const Batch& batch);
  int64_t count() const { return count_; }
  // Throws InternalError when nothing was added.
  InputStatistics Finish() const;

 private:
  std::vector<std::pair<std::string, int64_t>> streams_;
  int64_t count_ = 0;
  std::vector<torch::Tensor> sums_, squares_;  // float64, CPU, per stream
};

}  // namespace merhan
