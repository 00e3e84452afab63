// TEST-LOCAL definitions of EmotionModelImpl's default Loss/Probabilities,
// which the nn layer owns (src/nn/emotion_model.cc, not in this branch). The
// test model overrides both; these only give the base class its vtable.
// DELETE THIS FILE when the nn layer is merged.
#include "merhan/nn/emotion_model.h"

namespace merhan {

__attribute__((weak)) torch::Tensor EmotionModelImpl::Loss(const Batch& batch, const torch::Tensor& class_weights,
                                                           double label_smoothing) {
  auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
  if (class_weights.defined()) options = options.weight(class_weights);
  return torch::nn::functional::cross_entropy(forward(batch), batch.labels, options);
}

__attribute__((weak)) torch::Tensor EmotionModelImpl::Probabilities(const Batch& batch) {
  return torch::softmax(forward(batch), 1);
}

}  // namespace merhan
