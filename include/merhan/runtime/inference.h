// What `merhan eval` and `merhan predict` do with a loaded model: probabilities
// as JSON, evaluation on a fold's test split or a manifest.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/runtime/evaluation.h"
#include "merhan/runtime/inference_batch.h"
#include "merhan/runtime/loaded_model.h"

namespace merhan {

// {"id", "wav", "label", "probabilities": {class: p, ...}} for row `i`.
nlohmann::json PredictionJson(const std::vector<std::string>& classes, const torch::Tensor& probabilities, int64_t i,
                              const std::string& id, const std::string& wav_path);

// `merhan eval`: the checkpoint's model on its own fold's test split (rebuilt
// from the checkpoint's config, fold and seed) or, when `manifest` is given, on
// that manifest. Returns {"checkpoint", "data", "count", "loss", "war", "uar",
// "macro_f1", "weighted_f1", "per_class", "confusion", "classes", "calibration"};
// probabilities and loss use the checkpoint's temperature unless `options.calibration` is
// kIgnore (labels, and so every label metric, are the same either way). `result`
// receives the predictions when not null.
nlohmann::json EvaluateCheckpoint(const std::string& checkpoint_path, const std::string& manifest,
                                  const LoadOptions& options, EvaluationResult* result = nullptr);
// The same for a model already loaded (from a checkpoint or a model directory).
nlohmann::json EvaluateLoadedModel(LoadedModel& loaded, const std::string& manifest,
                                   EvaluationResult* result = nullptr);

// `merhan predict`: one JSON object per input (PredictionJson). The feature
// extractors are `front_end`'s (made on first use) or, when null, `loaded.front_end`:
// threads that predict at once each pass their own, and share the model.
std::vector<nlohmann::json> PredictInputs(LoadedModel& loaded, const std::vector<InferenceInput>& inputs,
                                          std::shared_ptr<InferenceFrontEnd>* front_end = nullptr);
// `merhan predict --manifest`: calls `emit` with one JSON object per utterance.
void PredictManifest(LoadedModel& loaded, const std::string& manifest,
                     const std::function<void(const nlohmann::json&)>& emit);

}  // namespace merhan
