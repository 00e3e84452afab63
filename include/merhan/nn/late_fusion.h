// Seed 004's late fusion (model.type late_fusion): an audio and a text unimodal MLP
// with independent parameters, trained jointly on the sum of their cross-entropy
// losses (the gradients never mix, so this equals training them separately).
// forward() returns the combined log-probabilities under model.late_rule:
//   mean: log of the mean of the two softmax distributions;
//   vote: majority vote. With two voters a disagreement is a tie, broken by the
//         voter with the higher top probability (the audio voter on an exact tie).
//         The returned distribution is the mean distribution of the voters that
//         back the winning class (both when they agree, else the winner's own),
//         so its argmax is always the voted class.
// Module names: audio_classifier.{fc1,fc2,output}, text_classifier.{...}.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/unimodal_mlp.h"

namespace merhan {

class LateFusionImpl : public EmotionModelImpl {
 public:
  LateFusionImpl(const ModelOptions& options, const ModelDims& dims);

  torch::Tensor forward(const Batch& batch) override;
  // Sum of the two classifiers' cross-entropy losses.
  torch::Tensor Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) override;
  torch::Tensor Probabilities(const Batch& batch) override;
  // The two classifiers' logits {audio, text}.
  std::pair<torch::Tensor, torch::Tensor> MemberLogits(const Batch& batch);
  // The combination rule on member logits -> log-probabilities (B, C).
  torch::Tensor Combine(const torch::Tensor& audio_logits, const torch::Tensor& text_logits) const;

 private:
  std::string rule_;
  UnimodalMlp audio_classifier_{nullptr};
  UnimodalMlp text_classifier_{nullptr};
};
TORCH_MODULE(LateFusion);

}  // namespace merhan
