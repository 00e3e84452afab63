#include "merhan/runtime/experiment_model.h"

#include "merhan/nn/bert.h"
#include "merhan/nn/fine_tuned_text_model.h"
#include "merhan/text/tokenizer.h"

namespace merhan {

EmotionModel BuildExperimentModel(const ExperimentConfig& config, const ModelDims& dims) {
  if (config.text.trainable_layers == 0 || !config.model.UsesText()) return BuildModel(config.model, dims);
  TextOptions text = config.text;
  text.model_dir = ResolveModelDir(text.model_dir);
  TextEncoder encoder = LoadBertEncoder(text);  // pretrained weights, top layers unfrozen
  ModelDims inner = dims;
  inner.text_dim = static_cast<int>(encoder.config.hidden_size);
  return WithTextEncoder(encoder.model, BuildModel(config.model, inner));
}

}  // namespace merhan
