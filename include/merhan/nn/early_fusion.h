// Seed 004's early fusion (model.type early_fusion): masked temporal mean of each of
// the K streams of model.streams (default audio, text), per-stream standardisation
// with statistics of the training split only (NeedsInputStatistics), concatenation in
// that order, MLP in -> hidden -> hidden/2 -> classes with ReLU. The statistics are
// buffers (<stream>_mean, <stream>_std, e.g. audio_mean) so that checkpoints carry
// them; until set they are 0 and 1.
// Module names: fc1, fc2, output.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/layer_mix.h"

namespace merhan {

class EarlyFusionImpl : public EmotionModelImpl {
 public:
  EarlyFusionImpl(const ModelOptions& options, const ModelDims& dims);

  torch::Tensor forward(const Batch& batch) override;
  bool NeedsInputStatistics() const override { return true; }
  // Statistics of the per-utterance masked temporal means (InputStatisticsAccumulator).
  void SetInputStatistics(const InputStatistics& stats) override;
  bool UsesAudio() const override { return Reads(kAudioInput); }
  bool UsesText() const override { return Reads(kTextInput); }

 private:
  bool Reads(const std::string& name) const { return std::find(inputs_.begin(), inputs_.end(), name) != inputs_.end(); }
  std::vector<std::string> inputs_;  // model.streams, concatenation order
  std::vector<int64_t> dims_;        // features per row of each input (hidden states x size)
  std::vector<torch::Tensor> means_, stds_;
  std::vector<LayerMix> mixes_;      // inputs keeping several hidden states; empty holders otherwise
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, output_{nullptr};
};
TORCH_MODULE(EarlyFusion);

}  // namespace merhan
