// The model a config describes, as training builds it and inference rebuilds it.
#pragma once

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/model_dims.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

// BuildModel(config.model, dims), or, with text.trainable_layers > 0, that model
// behind the pretrained encoder of text.model_dir with its top layers unfrozen
// (WithTextEncoder).
EmotionModel BuildExperimentModel(const ExperimentConfig& config, const ModelDims& dims);

}  // namespace merhan
