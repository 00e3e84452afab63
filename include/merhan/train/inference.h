// Using a trained checkpoint: load it with its own config, check its text
// encoder, and turn probabilities into the JSON that `merhan predict` prints.
// Also declares the data-layer seams that eval, predict and train need.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/nn/batch.h"
#include "merhan/nn/emotion_model.h"
#include "merhan/train/batch_source.h"
#include "merhan/train/checkpoint.h"
#include "merhan/train/evaluation.h"
#include "merhan/train/experiment_config.h"

namespace merhan {

// ---- Where the data layer meets training, eval and predict
// ---- (src/train/corpus_pipeline.cc).

// Reads the corpus of `config.data`, builds the protocol's folds and returns
// the plan the cross-validation driver runs (fold count and names, classes,
// model dims and the per-(fold, seed) FoldProvider).
CrossValidationPlan MakeCrossValidationPlan(const ExperimentConfig& config);

// An evaluation source (fixed order) over the utterances of a manifest, with
// the features `config` describes; labels mapped onto `classes` (-1 when a row
// has none). DataError naming the manifest (and line) on bad rows. Streams
// standardised per speaker use `stream_normalization` (the checkpoint's
// CheckpointMeta::stream_normalization) for normalize=speaker, and the manifest's
// own speakers for normalize=speaker-transductive.
std::shared_ptr<BatchSource> MakeManifestSource(const ExperimentConfig& config,
                                                const std::vector<std::string>& classes,
                                                const std::string& manifest,
                                                const nlohmann::json& stream_normalization = nullptr);

// The model `config` describes, for `dims`: BuildModel(config.model, dims), or,
// with text.trainable_layers > 0, that model behind the pretrained encoder of
// text.model_dir with its top layers unfrozen (WithTextEncoder).
EmotionModel BuildExperimentModel(const ExperimentConfig& config, const ModelDims& dims);

// One utterance to predict.
struct InferenceInput {
  std::string id;
  std::string wav_path;
  std::string text;
};

// The feature extractors inference needs (MFCC, tokenizer, frozen encoder),
// loaded on first use and kept, so that a warm process (merhan serve) loads the
// encoder once rather than per batch. Defined in corpus_pipeline.cc.
struct InferenceFrontEnd;

// Features of `inputs` as one padded batch (labels -1), computed exactly as in
// training (MFCC + CMVN per `config.audio`/`config.mfcc`; tokenizer and frozen
// encoder per `config.text`, or token ids alone when the encoder is fine-tuned). DataError naming a wav that cannot be read.
// `front_end`, when given, holds the extractors across calls (created on the
// first); it must come from the same `config`.
Batch MakeInferenceBatch(const ExperimentConfig& config, const std::vector<InferenceInput>& inputs,
                         std::shared_ptr<InferenceFrontEnd>* front_end = nullptr);

// ---- Implemented here.

struct LoadedModel {
  std::string checkpoint_path;
  CheckpointMeta meta;
  ExperimentConfig config;  // the checkpoint's own resolved config
  EmotionModel model{nullptr};
  torch::Device device = torch::kCPU;
  // The checkpoint's calibration temperature (train/calibration.h) when it has
  // one and calibration was not turned off; 1 otherwise.
  double temperature = 1.0;
  // Feature extractors kept across PredictInputs calls (MakeInferenceBatch).
  std::shared_ptr<InferenceFrontEnd> front_end;
};

// Reads the checkpoint, rebuilds its model with BuildModel(config.model,
// meta.dims), loads the weights onto `device` ("" = the checkpoint's
// train.device, resolved as in training) in eval mode. When the model uses
// text and the checkpoint records a text encoder, checks the directory is
// still there and unchanged (DataError naming it otherwise).
// `build` replaces BuildModel (tests).
// With `calibrated` false the stored temperature is ignored (--no-calibration).
// `text_model_dir`, when not empty, is where the encoder is now: accepted when
// its files match the recorded fingerprint, wherever it lies (CheckTextEncoder).
using ModelBuilder = std::function<EmotionModel(const ModelOptions&, const ModelDims&)>;
LoadedModel LoadModelForInference(const std::string& checkpoint_path, const std::string& device = "",
                                  const ModelBuilder& build = nullptr, bool calibrated = true,
                                  const std::string& text_model_dir = "");

// The second half of loading, shared by checkpoints and model directories
// (train/model_directory.h): with `loaded->meta` and `loaded->config` set,
// builds the model on `device`, fills it with `load_weights`, puts it in eval
// mode and sets the temperature.
void BuildLoadedModel(LoadedModel* loaded, const std::string& device, const ModelBuilder& build, bool calibrated,
                      const std::function<void(torch::nn::Module&)>& load_weights);

// Class probabilities (B, C) of a batch, float32 on the CPU, scaled by the
// loaded temperature.
torch::Tensor PredictProbabilities(LoadedModel& loaded, const Batch& batch);

// {"id", "wav", "label", "probabilities": {class: p, ...}} for row `i`.
nlohmann::json PredictionJson(const std::vector<std::string>& classes, const torch::Tensor& probabilities,
                              int64_t i, const std::string& id, const std::string& wav_path);

// `merhan eval`: the checkpoint's model on its own fold's test split (rebuilt
// from the checkpoint's config, fold and seed) or, when `manifest` is given, on
// that manifest. Returns {"checkpoint", "data", "count", "loss", "war", "uar",
// "macro_f1", "weighted_f1", "per_class", "confusion", "classes", "calibration"};
// probabilities and loss use the checkpoint's temperature unless `calibrated` is
// false (labels, and so every label metric, are the same either way). `result`
// receives the predictions when not null.
nlohmann::json EvaluateCheckpoint(const std::string& checkpoint_path, const std::string& manifest,
                                  const std::string& device, EvaluationResult* result = nullptr,
                                  bool calibrated = true);
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

// Checks what predict can check before features are computed: the wav exists
// and is a file, the text is not empty/blank. DataError naming what is wrong.
void ValidateInferenceInput(const InferenceInput& input);

}  // namespace merhan
