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

// What `merhan eval` evaluates a model on.
struct EvaluationData {
  enum class Kind {
    kOwnFold,   // the checkpoint's own fold's test split, rebuilt from its config, fold and seed
    kManifest,  // every utterance of the manifest `path`
    kConfig,    // the utterances the config `path` tests on (every fold's test split; with
                // data.corpora, its test corpora), read through the model's own features and
                // classes: cross-corpus evaluation
  };
  Kind kind = Kind::kOwnFold;
  std::string path;
};

// `merhan eval`: returns {"checkpoint", "data", "utterances", "loss", "war", "uar",
// "macro_f1", "weighted_f1", "per_class", "confusion", "classes", "calibration"}, and
// "test_corpora" {name: metrics} when the data has several corpora (data.corpora).
// Probabilities and loss use the model's temperature unless it was loaded with
// Calibration::kIgnore (labels, and so every label metric, are the same either way).
// `result` receives the predictions when not null. UsageError when a config's classes
// differ from the model's.
nlohmann::json EvaluateLoadedModel(LoadedModel& loaded, const EvaluationData& data, EvaluationResult* result = nullptr);

// `merhan predict`: one JSON object per input (PredictionJson). The feature
// extractors are `front_end`'s (made on first use) or, when null, `loaded.front_end`:
// threads that predict at once each pass their own, and share the model.
std::vector<nlohmann::json> PredictInputs(LoadedModel& loaded, const std::vector<InferenceInput>& inputs,
                                          std::shared_ptr<InferenceFrontEnd>* front_end = nullptr);
// `merhan predict --manifest`: calls `emit` with one JSON object per utterance.
void PredictManifest(LoadedModel& loaded, const std::string& manifest,
                     const std::function<void(const nlohmann::json&)>& emit);

}  // namespace merhan
