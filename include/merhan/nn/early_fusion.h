// Seed 004's early fusion (model.type early_fusion): masked temporal mean of each
// stream, per-modality standardisation with statistics of the training split only
// (NeedsInputStatistics), concatenation, MLP in -> hidden -> hidden/2 -> classes
// with ReLU. The statistics are buffers (audio_mean, audio_std, text_mean,
// text_std) so that checkpoints carry them; until set they are 0 and 1.
// Module names: fc1, fc2, output.
#pragma once

#include <torch/torch.h>

#include "merhan/nn/emotion_model.h"

namespace merhan {

class EarlyFusionImpl : public EmotionModelImpl {
 public:
  EarlyFusionImpl(const ModelOptions& options, const ModelDims& dims);

  torch::Tensor forward(const Batch& batch) override;
  bool NeedsInputStatistics() const override { return true; }
  // Statistics of the per-utterance masked temporal means (InputStatisticsAccumulator).
  void SetInputStatistics(const InputStatistics& stats) override;

 private:
  ModelDims dims_;
  torch::Tensor audio_mean_, audio_std_, text_mean_, text_std_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, output_{nullptr};
};
TORCH_MODULE(EarlyFusion);

}  // namespace merhan
