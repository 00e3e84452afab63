// The interface every emotion model implements (MER-HAN, its ablations and the
// baselines), so that the trainer, eval and predict never branch on model type.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "merhan/nn/batch.h"
#include "merhan/nn/model_dims.h"
#include "merhan/nn/model_options.h"

namespace merhan {

// Per-feature statistics fitted on the training split only (early fusion's
// standardisation); stored in the model as buffers so checkpoints carry them.
struct InputStatistics {
  torch::Tensor audio_mean, audio_std;                                     // (audio_dim)
  torch::Tensor text_mean, text_std;                                       // (text_dim)
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> streams;  // precomputed: name -> (mean, std)
  // (mean, std) of the stream `name` (audio, text or precomputed); undefined tensors
  // when absent.
  std::pair<torch::Tensor, torch::Tensor> Of(const std::string& name) const;
};

class EmotionModelImpl : public torch::nn::Module {
 public:
  // Class logits (B, C) used for the loss. Models that combine several
  // classifiers (late fusion) return the combined log-probabilities here.
  virtual torch::Tensor forward(const Batch& batch) = 0;
  // Training loss for a batch; default: cross-entropy on forward().
  virtual torch::Tensor Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing);
  // Class probabilities (B, C) for evaluation and prediction; default softmax.
  virtual torch::Tensor Probabilities(const Batch& batch);
  // Whether the model wants InputStatistics fitted on the training split.
  virtual bool NeedsInputStatistics() const { return false; }
  virtual void SetInputStatistics(const InputStatistics& /*stats*/) {}
  // Which streams the model reads, so loaders can skip the others.
  virtual bool UsesAudio() const { return true; }
  virtual bool UsesText() const { return true; }
};
TORCH_MODULE(EmotionModel);

// Builds the model `options.type` with `dims`. Throws UsageError for an
// inconsistent combination (e.g. use_cma with align=pool and combine=concat
// where that is unsupported), naming the key.
EmotionModel BuildModel(const ModelOptions& options, const ModelDims& dims);

}  // namespace merhan
