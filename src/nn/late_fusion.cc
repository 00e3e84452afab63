#include "merhan/nn/late_fusion.h"

#include <cmath>

namespace merhan {

LateFusionImpl::LateFusionImpl(const ModelOptions& options, const ModelDims& dims) : rule_(options.late_rule) {
  audio_classifier_ = register_module(
      "audio_classifier", UnimodalMlp("audio", dims.audio_dim, options.mlp_hidden, dims.num_classes));
  text_classifier_ = register_module(
      "text_classifier", UnimodalMlp("text", dims.text_dim, options.mlp_hidden, dims.num_classes));
}

std::pair<torch::Tensor, torch::Tensor> LateFusionImpl::MemberLogits(const Batch& batch) {
  return {audio_classifier_->forward(batch), text_classifier_->forward(batch)};
}

torch::Tensor LateFusionImpl::Combine(const torch::Tensor& audio_logits, const torch::Tensor& text_logits) const {
  const auto audio = torch::log_softmax(audio_logits, -1);
  const auto text = torch::log_softmax(text_logits, -1);
  // log((p_a + p_t) / 2), computed in log space so that tiny probabilities survive.
  const auto mean = torch::logsumexp(torch::stack({audio, text}), 0) - std::log(2.0);
  if (rule_ == "mean") return mean;
  const auto [audio_conf, audio_vote] = audio.max(-1);
  const auto [text_conf, text_vote] = text.max(-1);
  const auto agree = (audio_vote == text_vote).unsqueeze(-1);
  const auto audio_wins = (audio_conf >= text_conf).unsqueeze(-1);
  return torch::where(agree, mean, torch::where(audio_wins, audio, text));
}

torch::Tensor LateFusionImpl::forward(const Batch& batch) {
  const auto [audio, text] = MemberLogits(batch);
  return Combine(audio, text);
}

torch::Tensor LateFusionImpl::Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) {
  namespace F = torch::nn::functional;
  const auto options = F::CrossEntropyFuncOptions().weight(class_weights).label_smoothing(label_smoothing).ignore_index(-1);
  const auto [audio, text] = MemberLogits(batch);
  return F::cross_entropy(audio, batch.labels, options) + F::cross_entropy(text, batch.labels, options);
}

torch::Tensor LateFusionImpl::Probabilities(const Batch& batch) { return forward(batch).exp(); }

}  // namespace merhan
