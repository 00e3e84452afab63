// An emotion model reading a speech-encoder stream whose top layers train inside it
// (data.streams.<name>.trainable_layers = n): the stream's cache holds the kept hidden
// states below layer L - n and hidden_states[L - n]; this model runs the top n layers
// (speech/speech_top_layers.h) on the latter, puts the kept states back together in the
// stream's order, and hands the batch on to the model it wraps (MER-HAN, mlp), which
// mixes them as it would the cached ones. Checkpoints carry the tuned layers
// ("speech_top.layers.K...").
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "merhan/nn/emotion_model.h"
#include "merhan/speech/speech_top_layers.h"

namespace merhan {

struct SpeechTunedStream {
  std::string name;
  std::vector<int> cached;  // hidden_states indices in the cached rows, ascending; the last is L - n
  std::vector<int> kept;    // the indices the wrapped model reads, ascending
  int64_t hidden = 0;
};

class SpeechTunedModelImpl : public EmotionModelImpl {
 public:
  SpeechTunedModelImpl(SpeechTunedStream stream, SpeechTopLayers top, EmotionModel inner);
  torch::Tensor forward(const Batch& batch) override;
  torch::Tensor Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) override;
  torch::Tensor Probabilities(const Batch& batch) override;
  bool UsesAudio() const override { return inner_->UsesAudio(); }
  bool UsesText() const override { return inner_->UsesText(); }

 private:
  // The batch with the stream's rows rebuilt: cached states and the top layers' outputs.
  Batch WithTopLayers(const Batch& batch);

  SpeechTunedStream stream_;
  SpeechTopLayers top_{nullptr};
  EmotionModel inner_{nullptr};
};
TORCH_MODULE(SpeechTunedModel);

}  // namespace merhan
