// A text-reading model with its BERT encoder inside, for fine-tuning
// (text.trainable_layers > 0). Batches carry token ids (Batch::input_ids) instead
// of cached encoder outputs; the encoder's last hidden state becomes the batch's
// text stream and the inner model runs unchanged. Module names: "text_encoder"
// (HF BERT names below it; the trainer gives these train.text_lr) and "model"
// (the inner model's own names).
#pragma once

#include <torch/torch.h>

#include "merhan/nn/bert.h"
#include "merhan/nn/emotion_model.h"

namespace merhan {

class FineTunedTextModelImpl : public EmotionModelImpl {
 public:
  FineTunedTextModelImpl(BertModel encoder, EmotionModel inner);

  torch::Tensor forward(const Batch& batch) override;
  torch::Tensor Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) override;
  torch::Tensor Probabilities(const Batch& batch) override;
  bool UsesAudio() const override { return inner_->UsesAudio(); }
  bool UsesText() const override { return true; }

 private:
  // `batch` with its text stream computed from the token ids.
  Batch Encode(const Batch& batch);

  BertModel text_encoder_{nullptr};
  EmotionModel inner_{nullptr};
};
TORCH_MODULE(FineTunedTextModel);

// `inner` (built with text_dim = the encoder's hidden size) behind `encoder`.
EmotionModel WithTextEncoder(BertModel encoder, EmotionModel inner);

}  // namespace merhan
