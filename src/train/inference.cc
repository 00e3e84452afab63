#include "merhan/train/inference.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "merhan/train/calibration.h"
#include "merhan/train/device.h"
#include "merhan/train/environment.h"
#include "merhan/train/trainer.h"
#include "merhan/util/error.h"

namespace merhan {
namespace fs = std::filesystem;

LoadedModel LoadModelForInference(const std::string& checkpoint_path, const std::string& device,
                                  const ModelBuilder& build, bool calibrated, const std::string& text_model_dir) {
  CheckpointReader reader(checkpoint_path);
  LoadedModel loaded;
  loaded.checkpoint_path = checkpoint_path;
  loaded.meta = reader.meta();
  try {
    loaded.config = ExperimentConfig::FromJson(loaded.meta.config, checkpoint_path);
  } catch (const UsageError& e) {
    throw DataError(checkpoint_path + ": its stored config is not valid for this merhan: " + e.what());
  }
  if (!text_model_dir.empty()) loaded.config.text.model_dir = text_model_dir;
  BuildLoadedModel(&loaded, device, build, calibrated, [&](torch::nn::Module& model) {
    if (loaded.model->UsesText()) CheckTextEncoder(loaded.meta.text_encoder, checkpoint_path, text_model_dir);
    reader.LoadModel(model);
  });
  return loaded;
}

void BuildLoadedModel(LoadedModel* loaded, const std::string& device, const ModelBuilder& build, bool calibrated,
                      const std::function<void(torch::nn::Module&)>& load_weights) {
  loaded->device = ResolveDevice(device.empty() ? loaded->config.train.device : device);
  loaded->model = build ? build(loaded->config.model, loaded->meta.dims)
                        : BuildExperimentModel(loaded->config, loaded->meta.dims);
  load_weights(*loaded->model);
  loaded->model->to(loaded->device);
  loaded->model->eval();
  loaded->temperature = calibrated ? CheckpointTemperature(loaded->meta) : 1.0;
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

nlohmann::json PredictionJson(const std::vector<std::string>& classes, const torch::Tensor& probabilities,
                              int64_t i, const std::string& id, const std::string& wav_path) {
  const auto row = probabilities[i].to(torch::kFloat64).contiguous();
  if (row.numel() != static_cast<int64_t>(classes.size())) {
    throw InternalError("PredictionJson: " + std::to_string(row.numel()) + " probabilities for " +
                        std::to_string(classes.size()) + " classes");
  }
  const double* p = row.data_ptr<double>();
  nlohmann::json probs = nlohmann::json::object();
  size_t best = 0;
  for (size_t c = 0; c < classes.size(); ++c) {
    probs[classes[c]] = p[c];
    if (p[c] > p[best]) best = c;
  }
  nlohmann::json j = {{"id", id}, {"label", classes[best]}, {"probabilities", probs}};
  if (!wav_path.empty()) j["wav"] = wav_path;
  return j;
}

nlohmann::json EvaluateCheckpoint(const std::string& checkpoint_path, const std::string& manifest,
                                  const std::string& device, EvaluationResult* result_out, bool calibrated) {
  LoadedModel loaded = LoadModelForInference(checkpoint_path, device, nullptr, calibrated);
  return EvaluateLoadedModel(loaded, manifest, result_out);
}

nlohmann::json EvaluateLoadedModel(LoadedModel& loaded, const std::string& manifest, EvaluationResult* result_out) {
  const std::string& checkpoint_path = loaded.checkpoint_path;
  const auto& meta = loaded.meta;
  std::shared_ptr<BatchSource> source;
  std::string data;
  if (!manifest.empty()) {
    source = MakeManifestSource(loaded.config, meta.classes, manifest, meta.stream_normalization);
    data = "manifest " + manifest;
  } else {
    if (meta.fold < 0) {
      throw UsageError("eval: checkpoint " + checkpoint_path + " records no fold; give --manifest");
    }
    const CrossValidationPlan plan = MakeCrossValidationPlan(loaded.config);
    if (plan.classes != meta.classes) {
      throw DataError("eval: the corpus of checkpoint " + checkpoint_path +
                      "'s config now yields different classes than it was trained on");
    }
    source = plan.provider(meta.fold, meta.seed).test;
    data = "test split of fold " + std::to_string(meta.fold) + (meta.fold_name.empty() ? "" : " (" + meta.fold_name + ")");
  }
  source->SetShard(0, 1);
  ApplyTorchThreads(loaded.config.run.threads);  // after feature workers, which set their own
  EvaluationResult result = EvaluateModel(loaded.model, *source, loaded.device,
                                          Bf16Autocast(loaded.config.train, loaded.device), meta.dims.num_classes);
  if (loaded.temperature != 1.0) {
    // Scaling keeps every arg-max, so labels and label metrics stay; the
    // probabilities and their cross-entropy change.
    result.probabilities = ApplyTemperature(result.probabilities, loaded.temperature);
    const auto p = result.probabilities.to(torch::kFloat64).contiguous();
    const int64_t c = meta.dims.num_classes;
    double loss = 0;
    int64_t labelled = 0;
    for (size_t i = 0; i < result.labels.size(); ++i) {
      if (result.labels[i] < 0) continue;
      loss -= std::log(std::max(p.data_ptr<double>()[static_cast<int64_t>(i) * c + result.labels[i]], 1e-12));
      ++labelled;
    }
    result.loss = labelled > 0 ? loss / static_cast<double>(labelled) : std::nan("");
  }
  nlohmann::json j = result.Metrics(meta.dims.num_classes).ToJson(meta.classes);
  j["checkpoint"] = checkpoint_path;
  j["data"] = data;
  j["loss"] = result.loss;
  j["utterances"] = result.ids.size();
  j["calibration"] = {{"temperature", loaded.temperature},
                      {"applied", loaded.temperature != 1.0},
                      {"stored", meta.calibration.is_object() && meta.calibration.contains("temperature")}};
  if (result_out) *result_out = std::move(result);
  return j;
}

std::vector<nlohmann::json> PredictInputs(LoadedModel& loaded, const std::vector<InferenceInput>& inputs,
                                          std::shared_ptr<InferenceFrontEnd>* front_end) {
  for (const auto& input : inputs) ValidateInferenceInput(input);
  const Batch batch = MakeInferenceBatch(loaded.config, inputs, front_end ? front_end : &loaded.front_end);
  const torch::Tensor probs = PredictProbabilities(loaded, batch);
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(PredictionJson(loaded.meta.classes, probs, static_cast<int64_t>(i), inputs[i].id, inputs[i].wav_path));
  }
  return out;
}

void PredictManifest(LoadedModel& loaded, const std::string& manifest,
                     const std::function<void(const nlohmann::json&)>& emit) {
  auto source = MakeManifestSource(loaded.config, loaded.meta.classes, manifest, loaded.meta.stream_normalization);
  source->SetShard(0, 1);
  ApplyTorchThreads(loaded.config.run.threads);
  source->ForEachBatch(0, [&](const Batch& batch) {
    const torch::Tensor probs = PredictProbabilities(loaded, batch);
    for (int64_t i = 0; i < batch.size(); ++i) emit(PredictionJson(loaded.meta.classes, probs, i, batch.ids[i], ""));
  });
}

void ValidateInferenceInput(const InferenceInput& input) {
  if (input.wav_path.empty()) throw DataError("predict: no wav given for " + input.id);
  if (!fs::exists(input.wav_path)) throw DataError("predict: wav file " + input.wav_path + " does not exist");
  if (!fs::is_regular_file(input.wav_path)) throw DataError("predict: " + input.wav_path + " is not a file");
  if (input.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw DataError("predict: the transcript of " + input.wav_path + " is empty");
  }
}

}  // namespace merhan
