// A trained model ready to run: loaded from a checkpoint with its own config, its
// text encoder checked, on its device, with its calibration temperature.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "merhan/nn/batch.h"
#include "merhan/nn/emotion_model.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/runtime/inference_batch.h"

namespace merhan {

struct LoadedModel {
  std::string checkpoint_path;
  CheckpointMeta meta;
  ExperimentConfig config;  // the checkpoint's own resolved config
  EmotionModel model{nullptr};
  torch::Device device = torch::kCPU;
  // The checkpoint's calibration temperature (runtime/temperature.h) when it has
  // one and calibration was not turned off; 1 otherwise.
  double temperature = 1.0;
  // Feature extractors kept across PredictInputs calls (MakeInferenceBatch).
  std::shared_ptr<InferenceFrontEnd> front_end;
};

// Reads the checkpoint, rebuilds its model with BuildModel(config.model,
// meta.dims), loads the weights onto `options.device` in eval mode. When the model uses
// text and the checkpoint records a text encoder, checks the directory is
// still there and unchanged (DataError naming it otherwise).
// `text_model_dir`, when not empty, is where the encoder is now: accepted when
// its files match the recorded fingerprint, wherever it lies (CheckTextEncoder).
using ModelBuilder = std::function<EmotionModel(const ModelOptions&, const ModelDims&)>;

// Whether eval and predict scale probabilities by the checkpoint's calibration
// temperature (kIgnore: --no-calibration).
enum class Calibration { kApply, kIgnore };

struct LoadOptions {
  std::string device;  // "" = the checkpoint's train.device, resolved as in training
  ModelBuilder build;  // replaces BuildModel (tests); empty = BuildExperimentModel
  Calibration calibration = Calibration::kApply;
  std::string text_model_dir;  // where the text encoder is now, when it moved
  // Where speech-encoder streams' encoders are now, by stream name, when they moved
  // (accepted when their files match the checkpoint's record, CheckSpeechEncoders).
  std::map<std::string, std::string> speech_model_dirs;
};
LoadedModel LoadModelForInference(const std::string& checkpoint_path, const LoadOptions& options = {});

// The second half of loading, shared by checkpoints and model directories
// (runtime/model_directory.h): with `loaded->meta` and `loaded->config` set,
// builds the model on `device`, fills it with `load_weights`, puts it in eval
// mode and sets the temperature.
void BuildLoadedModel(LoadedModel* loaded, const LoadOptions& options,
                      const std::function<void(torch::nn::Module&)>& load_weights);

// Class probabilities (B, C) of a batch, float32 on the CPU, scaled by the
// loaded temperature.
torch::Tensor PredictProbabilities(LoadedModel& loaded, const Batch& batch);

}  // namespace merhan
