#include "merhan/runtime/inference.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "merhan/data/corpus_entry.h"
#include "merhan/data/folds.h"
#include "merhan/runtime/corpus_source.h"
#include "merhan/runtime/device.h"
#include "merhan/runtime/environment.h"
#include "merhan/runtime/evaluate_model.h"
#include "merhan/runtime/speech_encoder_record.h"
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

// Another config's test utterances (every fold's test split), read through the
// model's own features, classes and stream statistics: cross-corpus evaluation.
std::shared_ptr<BatchSource> ConfigTestSource(const LoadedModel& loaded, const std::string& path,
                                              ExperimentConfig* config) {
  *config = loaded.config;
  config->data = ExperimentConfig::Load(path, {}).data;
  // The model's speech-encoder streams are computed from any corpus's wavs: they come
  // with the model (its encoders), not with the other config.
  for (const PrecomputedStreamSpec& spec : ReadSpeechStreams(loaded.config)) {
    if (!config->data.streams.is_object()) config->data.streams = nlohmann::json::object();
    config->data.streams[spec.name] = loaded.config.data.streams[spec.name];
  }
  if (config->data.classes != loaded.meta.classes) {
    throw UsageError("eval --config " + path + ": data.classes " + nlohmann::json(config->data.classes).dump() +
                     " differ from the model's " + nlohmann::json(loaded.meta.classes).dump() +
                     "; a model evaluates on another corpus through its own label map");
  }
  std::vector<Fold> folds;
  const auto data =
      LoadCorpusData(*config, [&](const Corpus& corpus) { folds = MakeFolds(corpus.utterances, config->data); });
  std::set<int64_t> tested;
  for (const Fold& fold : folds) tested.insert(fold.test.begin(), fold.test.end());
  const std::vector<PrecomputedStreamSpec> normalized = SpeakerNormalizedStreams(*config);
  WarnTransductive(normalized);
  Standardization standardization = FitStandardization(*data, normalized, {}, &loaded.meta.stream_normalization);
  return MakeCorpusSource(data, {tested.begin(), tested.end()}, BatcherOptionsFor(*config, BatchOrder::kFixed),
                          std::move(standardization));
}

struct EvaluationSource {
  std::shared_ptr<BatchSource> source;
  std::string description;                // the metrics' "data"
  std::vector<std::string> test_corpora;  // data.corpora's test corpora, when the data has them
};

EvaluationSource SourceFor(const LoadedModel& loaded, const EvaluationData& data) {
  EvaluationSource s;
  const auto& meta = loaded.meta;
  const DataOptions* options = nullptr;
  ExperimentConfig other;
  switch (data.kind) {
    case EvaluationData::Kind::kManifest:
      s.source = MakeManifestSource(loaded.config, meta.classes, data.path, meta.stream_normalization);
      s.description = "manifest " + data.path;
      return s;
    case EvaluationData::Kind::kConfig:
      s.source = ConfigTestSource(loaded, data.path, &other);
      s.description = "test utterances of config " + data.path;
      options = &other.data;
      break;
    case EvaluationData::Kind::kOwnFold:
      if (meta.fold < 0) {
        throw UsageError("eval: checkpoint " + loaded.checkpoint_path +
                         " records no fold; give --manifest or --config");
      }
      s.source = FoldTestSource(loaded, loaded.checkpoint_path);
      s.description = "test split of fold " + std::to_string(meta.fold) +
                      (meta.fold_name.empty() ? "" : " (" + meta.fold_name + ")");
      options = &loaded.config.data;
      break;
  }
  if (!options->corpora.empty()) s.test_corpora = TestCorpusNames(ParseCorpusEntries(options->corpora));
  return s;
}

// Scaling keeps every arg-max, so labels and label metrics stay; the probabilities
// and their cross-entropy change.
void ApplyTemperatureToResult(double temperature, int64_t num_classes, EvaluationResult* result) {
  result->probabilities = ApplyTemperature(result->probabilities, temperature);
  const auto p = result->probabilities.to(torch::kFloat64).contiguous();
  double loss = 0;
  int64_t labelled = 0;
  for (size_t i = 0; i < result->labels.size(); ++i) {
    if (result->labels[i] < 0) continue;
    loss -= std::log(std::max(p.data_ptr<double>()[static_cast<int64_t>(i) * num_classes + result->labels[i]], 1e-12));
    ++labelled;
  }
  result->loss = labelled > 0 ? loss / static_cast<double>(labelled) : std::nan("");
}

// {name: metrics} of each test corpus's labelled utterances (ids "<name>/...").
nlohmann::json PerCorpusMetrics(const EvaluationResult& result, const std::vector<std::string>& names,
                                const std::vector<std::string>& classes) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& name : names) {
    std::vector<int64_t> truth, predicted;
    for (size_t i = 0; i < result.ids.size(); ++i) {
      if (result.labels[i] < 0 || CorpusOfId(result.ids[i]) != name) continue;
      truth.push_back(result.labels[i]);
      predicted.push_back(result.predictions[i]);
    }
    nlohmann::json m = ComputeClassificationReport(truth, predicted, static_cast<int>(classes.size())).ToJson(classes);
    m["utterances"] = truth.size();
    out[name] = m;
  }
  return out;
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

nlohmann::json EvaluateLoadedModel(LoadedModel& loaded, const EvaluationData& data, EvaluationResult* result_out) {
  const auto& meta = loaded.meta;
  EvaluationSource target = SourceFor(loaded, data);
  target.source->SetShard(0, 1);
  ApplyTorchThreads(loaded.config.run.threads);  // after feature workers, which set their own
  EvaluationResult result = EvaluateModel(loaded.model, *target.source, loaded.device,
                                          Bf16Autocast(loaded.config.train, loaded.device), meta.dims.num_classes);
  if (loaded.temperature != 1.0) ApplyTemperatureToResult(loaded.temperature, meta.dims.num_classes, &result);
  nlohmann::json j = result.Metrics(meta.dims.num_classes).ToJson(meta.classes);
  j["checkpoint"] = loaded.checkpoint_path;
  j["data"] = target.description;
  j["loss"] = result.loss;
  j["utterances"] = result.ids.size();
  j["calibration"] = {{"temperature", loaded.temperature},
                      {"applied", loaded.temperature != 1.0},
                      {"stored", meta.calibration.is_object() && meta.calibration.contains("temperature")}};
  if (!target.test_corpora.empty()) j["test_corpora"] = PerCorpusMetrics(result, target.test_corpora, meta.classes);
  if (result_out) *result_out = std::move(result);
  return j;
}

std::vector<nlohmann::json> PredictInputs(LoadedModel& loaded, const std::vector<InferenceInput>& inputs,
                                          std::shared_ptr<InferenceFrontEnd>* front_end) {
  for (const auto& input : inputs) ValidateInferenceInput(input, TranscriptUseOf(loaded.config));
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
