// Seed 004's late fusion (model.type late_fusion): one unimodal MLP per stream of
// model.streams (default audio, text), with independent parameters, trained jointly
// on the sum of their cross-entropy losses (the gradients never mix, so this equals
// training them separately). forward() returns the combined log-probabilities under
// model.late_rule:
//   mean: log of the mean of the K softmax distributions;
//   vote: majority vote. A tie between classes (with two voters: any disagreement)
//         goes to the class of the most confident voter among those backing a tied
//         class (highest top probability; the earlier member on an exact tie). The
//         returned distribution is the mean distribution of the voters that back the
//         winning class, so its argmax is always the voted class.
// Module names: <stream>_classifier.{fc1,fc2,output}, e.g. audio_classifier.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/unimodal_mlp.h"

namespace merhan {

class LateFusionImpl : public EmotionModelImpl {
 public:
  LateFusionImpl(const ModelOptions& options, const ModelDims& dims);

  torch::Tensor forward(const Batch& batch) override;
  // Sum of the members' cross-entropy losses.
  torch::Tensor Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) override;
  torch::Tensor Probabilities(const Batch& batch) override;
  // Every member's logits (B, C), in model.streams order.
  std::vector<torch::Tensor> AllMemberLogits(const Batch& batch);
  // The first two members' logits (the default pair: {audio, text}).
  std::pair<torch::Tensor, torch::Tensor> MemberLogits(const Batch& batch);
  // The combination rule on member logits -> log-probabilities (B, C).
  torch::Tensor Combine(const std::vector<torch::Tensor>& member_logits) const;
  torch::Tensor Combine(const torch::Tensor& audio_logits, const torch::Tensor& text_logits) const {
    return Combine(std::vector<torch::Tensor>{audio_logits, text_logits});
  }
  bool UsesAudio() const override { return Reads(kAudioInput); }
  bool UsesText() const override { return Reads(kTextInput); }

 private:
  bool Reads(const std::string& name) const { return std::find(inputs_.begin(), inputs_.end(), name) != inputs_.end(); }
  std::string rule_;
  std::vector<std::string> inputs_;
  std::vector<UnimodalMlp> members_;
};
TORCH_MODULE(LateFusion);

}  // namespace merhan
