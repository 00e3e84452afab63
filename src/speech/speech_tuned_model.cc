#include "merhan/speech/speech_tuned_model.h"

#include <algorithm>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

SpeechTunedModelImpl::SpeechTunedModelImpl(SpeechTunedStream stream, SpeechTopLayers top, EmotionModel inner)
    : stream_(std::move(stream)) {
  top_ = register_module("speech_top", std::move(top));
  inner_ = register_module("model", std::move(inner));
}

Batch SpeechTunedModelImpl::WithTopLayers(const Batch& batch) {
  const PaddedStream s = batch.Input(stream_.name);
  const int64_t h = stream_.hidden, cached = static_cast<int64_t>(stream_.cached.size());
  if (s.values.size(-1) != cached * h) {
    throw DataError(Cat("stream ", stream_.name, ": ", s.values.size(-1), " features per row, expected ", cached,
                        " cached hidden states of ", h));
  }
  const int top_input = stream_.cached.back();
  const std::vector<torch::Tensor> computed = top_->forward(s.values.narrow(-1, (cached - 1) * h, h), s.mask);
  std::vector<torch::Tensor> parts;
  for (int layer : stream_.kept) {
    if (layer <= top_input) {
      const auto at = std::find(stream_.cached.begin(), stream_.cached.end(), layer) - stream_.cached.begin();
      parts.push_back(s.values.narrow(-1, at * h, h));
    } else {
      parts.push_back(computed.at(static_cast<size_t>(layer - top_input - 1)));
    }
  }
  Batch out = batch;
  out.streams[stream_.name] = PaddedStream{torch::cat(parts, -1), s.mask, s.lengths};
  return out;
}

torch::Tensor SpeechTunedModelImpl::forward(const Batch& batch) { return inner_->forward(WithTopLayers(batch)); }

torch::Tensor SpeechTunedModelImpl::Loss(const Batch& batch, const torch::Tensor& class_weights,
                                         double label_smoothing) {
  return inner_->Loss(WithTopLayers(batch), class_weights, label_smoothing);
}

torch::Tensor SpeechTunedModelImpl::Probabilities(const Batch& batch) {
  return inner_->Probabilities(WithTopLayers(batch));
}

}  // namespace merhan
