#include "merhan/nn/speech_classification_head.h"

#include "merhan/nn/masked_ops.h"

namespace merhan {

SpeechClassificationHeadImpl::SpeechClassificationHeadImpl(const SpeechClassificationHeadOptions& options)
    : options_(options) {
  // transformers' layer_weights are softmax-normalised logits, as LayerMix's weights.
  if (options.layers > 1) layer_weights_ = register_module("layer_weights", LayerMix(options.stream, options.layers, options.hidden));
  if (options.final_layer_norm) {
    final_layer_norm_ = register_module(
        "final_layer_norm",
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden}).eps(options.layer_norm_eps)));
  }
  projector_ = register_module("projector", torch::nn::Linear(options.hidden, options.projector));
  classifier_ = register_module("classifier", torch::nn::Linear(options.projector, options.classes));
}

torch::Tensor SpeechClassificationHeadImpl::forward(const Batch& batch) {
  const PaddedStream s = batch.Input(options_.stream);
  torch::Tensor h = layer_weights_ ? layer_weights_->forward(s.values) : s.values;
  CheckStream(h, s.mask, options_.hidden, options_.stream.c_str());
  if (final_layer_norm_) h = final_layer_norm_->forward(h);
  // transformers pools the projected frames: the mean over valid frames.
  return classifier_->forward(MaskedMean(projector_->forward(h), s.mask));
}

}  // namespace merhan
