// Fits InputStatistics (early fusion's standardisation) on the training split:
// per-feature mean and population standard deviation (ddof 0, like scikit-learn's
// StandardScaler) of every utterance's masked temporal mean, per modality.
// A feature with zero spread gets std 1 (StandardScaler does the same).
#pragma once

#include <torch/torch.h>

#include "merhan/data/batch.h"
#include "merhan/nn/emotion_model.h"

namespace merhan {

class InputStatisticsAccumulator {
 public:
  InputStatisticsAccumulator(int64_t audio_dim, int64_t text_dim);
  // Adds every utterance of a training batch (needs audio and text with masks).
  void Add(const Batch& batch);
  int64_t count() const { return count_; }
  // Throws InternalError when nothing was added.
  InputStatistics Finish() const;

 private:
  int64_t audio_dim_, text_dim_;
  int64_t count_ = 0;
  torch::Tensor audio_sum_, audio_sq_, text_sum_, text_sq_;  // float64, CPU
};

}  // namespace merhan
