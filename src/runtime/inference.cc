#include "merhan/runtime/inference.h"

#include <algorithm>
#include <cmath>

#include "merhan/data/folds.h"
#include "merhan/runtime/corpus_source.h"
#include "merhan/runtime/device.h"
#include "merhan/runtime/environment.h"
#include "merhan/runtime/evaluate_model.h"
#include "merhan/runtime/temperature.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// The test split of the checkpoint's own fold, rebuilt from its config, fold and
// seed exactly as training built it.
std::shared_ptr<BatchSource> FoldTestSource(const LoadedModel& loaded, const std::string& checkpoint_path) {
  const ExperimentConfig& config = loaded.config;
  if (config.data.classes != loaded.meta.classes) {
    throw DataError("eval: the corpus of checkpoint " + checkpoint_path +
                    "'s config now yields different classes than it was trained on");
  }
  std::vector<Fold> folds;
  const auto data =
      LoadCorpusData(config, [&](const Corpus& corpus) { folds = MakeFolds(corpus.utterances, config.data); });
  if (loaded.meta.fold >= static_cast<int>(folds.size())) {
    throw DataError(Cat("eval: checkpoint ", checkpoint_path, " records fold ", loaded.meta.fold, ", but its config's ",
                        "protocol now gives ", folds.size(), " folds"));
  }
  const Fold& fold = folds[static_cast<size_t>(loaded.meta.fold)];
  return MakeFoldSources(data, fold, config, loaded.meta.seed, SpeakerNormalizedStreams(config)).test;
}

}  // namespace

nlohmann::json PredictionJson(const std::vector<std::string>& classes, const torch::Tensor& probabilities, int64_t i,
                              const std::string& id, const std::string& wav_path) {
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
                                  const LoadOptions& options, EvaluationResult* result_out) {
  LoadedModel loaded = LoadModelForInference(checkpoint_path, options);
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
    source = FoldTestSource(loaded, checkpoint_path);
    data =
        "test split of fold " + std::to_string(meta.fold) + (meta.fold_name.empty() ? "" : " (" + meta.fold_name + ")");
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
    out.push_back(
        PredictionJson(loaded.meta.classes, probs, static_cast<int64_t>(i), inputs[i].id, inputs[i].wav_path));
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

}  // namespace merhan
