#include "merhan/runtime/loaded_model.h"

#include "merhan/runtime/device.h"
#include "merhan/runtime/environment.h"
#include "merhan/runtime/experiment_model.h"
#include "merhan/runtime/speech_encoder_record.h"
#include "merhan/runtime/temperature.h"
#include "merhan/util/error.h"

namespace merhan {

LoadedModel LoadModelForInference(const std::string& checkpoint_path, const LoadOptions& options) {
  CheckpointReader reader(checkpoint_path);
  LoadedModel loaded;
  loaded.checkpoint_path = checkpoint_path;
  loaded.meta = reader.meta();
  try {
    loaded.config = ExperimentConfig::FromJson(loaded.meta.config, checkpoint_path);
  } catch (const UsageError& e) {
    throw DataError(checkpoint_path + ": its stored config is not valid for this merhan: " + e.what());
  }
  if (!options.text_model_dir.empty()) loaded.config.text.model_dir = options.text_model_dir;
  RedirectSpeechEncoders(options.speech_model_dirs, &loaded.config);
  BuildLoadedModel(&loaded, options, [&](torch::nn::Module& model) {
    if (loaded.model->UsesText()) CheckTextEncoder(loaded.meta.text_encoder, checkpoint_path, options.text_model_dir);
    CheckSpeechEncoders(loaded.meta.speech_encoders, loaded.config, checkpoint_path);
    reader.LoadModel(model);
  });
  return loaded;
}

void BuildLoadedModel(LoadedModel* loaded, const LoadOptions& options,
                      const std::function<void(torch::nn::Module&)>& load_weights) {
  loaded->device = ResolveDevice(options.device.empty() ? loaded->config.train.device : options.device);
  loaded->model = options.build ? options.build(loaded->config.model, loaded->meta.dims)
                                : BuildExperimentModel(loaded->config, loaded->meta.dims);
  load_weights(*loaded->model);
  loaded->model->to(loaded->device);
  loaded->model->eval();
  loaded->temperature = options.calibration == Calibration::kApply ? CheckpointTemperature(loaded->meta) : 1.0;
}

torch::Tensor PredictProbabilities(LoadedModel& loaded, const Batch& batch) {
  torch::NoGradGuard no_grad;
  // Only when needed: serve's workers call this at once on one model, and eval()
  // writes every module's training flag.
  if (loaded.model->is_training()) loaded.model->eval();
  torch::Tensor probs;
  {
    AutocastGuard autocast(loaded.device, Bf16Autocast(loaded.config.train, loaded.device));
    probs = loaded.model->Probabilities(batch.To(loaded.device));
  }
  probs = probs.to(torch::kCPU, torch::kFloat32);
  return loaded.temperature == 1.0 ? probs : ApplyTemperature(probs, loaded.temperature);
}

}  // namespace merhan
