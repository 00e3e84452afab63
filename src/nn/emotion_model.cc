#include "merhan/nn/emotion_model.h"

#include <string>

#include "merhan/nn/early_fusion.h"
#include "merhan/nn/late_fusion.h"
#include "merhan/nn/merhan_model.h"
#include "merhan/nn/unimodal_mlp.h"
#include "merhan/util/error.h"

namespace merhan {

torch::Tensor EmotionModelImpl::Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) {
  namespace F = torch::nn::functional;
  // The loss and the probabilities are fp32 even when autocast ran the model in
  // bf16 (a no-op otherwise).
  return F::cross_entropy(
      forward(batch).to(torch::kFloat32), batch.labels,
      F::CrossEntropyFuncOptions().weight(class_weights).label_smoothing(label_smoothing).ignore_index(-1));
}

torch::Tensor EmotionModelImpl::Probabilities(const Batch& batch) {
  return torch::softmax(forward(batch).to(torch::kFloat32), -1);
}

int ModelDims::DimOf(const std::string& name) const {
  if (name == kAudioInput) return audio_dim;
  if (name == kTextInput) return text_dim;
  auto it = stream_dims.find(name);
  if (it == stream_dims.end()) throw UsageError("model.streams: no features of stream \"" + name + "\"");
  return it->second;
}

int ModelDims::LayersOf(const std::string& name) const {
  auto it = stream_layers.find(name);
  return it == stream_layers.end() ? 1 : it->second;
}

std::pair<torch::Tensor, torch::Tensor> InputStatistics::Of(const std::string& name) const {
  if (name == kAudioInput) return {audio_mean, audio_std};
  if (name == kTextInput) return {text_mean, text_std};
  auto it = streams.find(name);
  return it == streams.end() ? std::pair<torch::Tensor, torch::Tensor>{} : it->second;
}

namespace {

// ModuleHolder's variadic constructor would take a shared_ptr<Derived> as an
// argument for `new EmotionModelImpl(...)`; hand it the base pointer instead.
template <typename Holder>
EmotionModel AsEmotionModel(Holder holder) {
  return EmotionModel(std::shared_ptr<EmotionModelImpl>(holder.ptr()));
}

}  // namespace

EmotionModel BuildModel(const ModelOptions& options, const ModelDims& dims) {
  options.Validate();
  if (dims.num_classes < 2)
    throw UsageError("data.classes: need at least 2 classes, got " + std::to_string(dims.num_classes));
  if (dims.audio_dim < 1) throw UsageError("model: audio feature size must be >= 1 (mfcc.n_mfcc)");
  if (dims.text_dim < 1) throw UsageError("model: text feature size must be >= 1 (text encoder hidden size)");
  if (options.type == "merhan") return AsEmotionModel(MerhanModel(options, dims));
  if (options.type == "audio") {
    return AsEmotionModel(UnimodalMlp("audio", dims.audio_dim, options.mlp_hidden, dims.num_classes));
  }
  if (options.type == "text") {
    return AsEmotionModel(UnimodalMlp("text", dims.text_dim, options.mlp_hidden, dims.num_classes));
  }
  if (options.type == "mlp") {
    const std::string& stream = options.streams.at(0);
    return AsEmotionModel(
        UnimodalMlp(stream, dims.DimOf(stream), options.mlp_hidden, dims.num_classes, dims.LayersOf(stream)));
  }
  if (options.type == "early_fusion") return AsEmotionModel(EarlyFusion(options, dims));
  if (options.type == "late_fusion") return AsEmotionModel(LateFusion(options, dims));
  throw UsageError("model.type: unknown model \"" + options.type + "\"");
}

}  // namespace merhan
