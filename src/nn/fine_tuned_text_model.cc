#include "merhan/nn/fine_tuned_text_model.h"

#include "merhan/util/error.h"

namespace merhan {

FineTunedTextModelImpl::FineTunedTextModelImpl(BertModel encoder, EmotionModel inner) {
  if (!inner->UsesText()) throw InternalError("FineTunedTextModel: the inner model reads no text");
  text_encoder_ = register_module("text_encoder", std::move(encoder));
  inner_ = register_module("model", std::move(inner));
}

Batch FineTunedTextModelImpl::Encode(const Batch& batch) {
  if (!batch.input_ids.defined() || !batch.text_mask.defined()) {
    throw UsageError(
        "model input: this model fine-tunes its text encoder (text.trainable_layers > 0) and needs "
        "token ids, but the batch has none");
  }
  Batch encoded = batch;
  const BertOutput out =
      text_encoder_->forward(batch.input_ids, batch.text_mask.to(torch::kInt64), batch.token_type_ids);
  encoded.text = out.last_hidden_state;
  return encoded;
}

torch::Tensor FineTunedTextModelImpl::forward(const Batch& batch) { return inner_->forward(Encode(batch)); }

torch::Tensor FineTunedTextModelImpl::Loss(const Batch& batch, const torch::Tensor& class_weights,
                                           double label_smoothing) {
  return inner_->Loss(Encode(batch), class_weights, label_smoothing);
}

torch::Tensor FineTunedTextModelImpl::Probabilities(const Batch& batch) { return inner_->Probabilities(Encode(batch)); }

EmotionModel WithTextEncoder(BertModel encoder, EmotionModel inner) {
  FineTunedTextModel model(std::move(encoder), std::move(inner));
  return EmotionModel(std::shared_ptr<EmotionModelImpl>(model.ptr()));
}

}  // namespace merhan
