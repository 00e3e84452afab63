// The data layer wired to the trainer: a corpus, its cached features and its folds
// become the CrossValidationPlan; manifests and single files become batches for
// eval and predict, with features computed exactly as in training.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "merhan/data/batcher.h"
#include "merhan/data/collate.h"
#include "merhan/data/corpus.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/folds.h"
#include "merhan/data/speaker_standardization.h"
#include "merhan/nn/bert.h"
#include "merhan/nn/fine_tuned_text_model.h"
#include "merhan/nn/input_statistics.h"
#include "merhan/text/tokenizer.h"
#include "merhan/train/evaluation.h"
#include "merhan/train/inference.h"
#include "merhan/train/metrics.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// A corpus with its feature caches, shared by every fold's sources.
struct CorpusData {
  Corpus corpus;
  CorpusFeatures features;
  std::unordered_map<std::string, std::string> speaker_of;  // utterance id -> speaker

  std::vector<std::string> SpeakersOf(const std::vector<std::string>& ids) const {
    std::vector<std::string> speakers;
    for (const std::string& id : ids) speakers.push_back(speaker_of.at(id));
    return speakers;
  }
};

// The per-speaker statistics batches are standardised with (null: none).
using Standardization = std::shared_ptr<const std::vector<SpeakerStatistics>>;

// Reads the corpus; `before_features` runs on it before any feature is computed (a
// protocol that cannot apply fails in seconds, not after an hour of extraction).
std::shared_ptr<CorpusData> LoadCorpusData(const ExperimentConfig& config, bool compute,
                                           const std::function<void(const Corpus&)>& before_features = {}) {
  auto data = std::make_shared<CorpusData>();
  data->corpus = ReadCorpus(config.data);
  if (data->corpus.utterances.empty()) throw DataError(data->corpus.source + ": no labelled utterances");
  for (const Utterance& u : data->corpus.utterances) data->speaker_of[u.id] = u.speaker;
  if (before_features) before_features(data->corpus);
  EnsureOptions ensure;
  ensure.compute = compute;
  data->features = EnsureCorpusFeatures(data->corpus, config.data, config.audio, config.mfcc, config.text,
                                        RequiredStreams(config.model, config.text), ensure);
  return data;
}

// Hidden size of the encoder in text.model_dir (its config.json).
int EncoderHiddenSize(const TextOptions& text) {
  return static_cast<int>(BertConfig::FromJson(ResolveModelDir(text.model_dir) + "/config.json").hidden_size);
}

ModelDims DimsOf(const CorpusData& data, const ExperimentConfig& config) {
  ModelDims dims;
  dims.num_classes = static_cast<int>(config.data.classes.size());
  const std::string& first = data.corpus.utterances.front().id;
  if (const FeatureCache* audio = data.features.Find(StreamKind::kMfcc)) {
    dims.audio_dim = static_cast<int>(audio->Get(first).cols);
  }
  if (const FeatureCache* text = data.features.Find(StreamKind::kEncoderHidden)) {
    dims.text_dim = static_cast<int>(text->Get(first).cols);
  }
  if (data.features.Find(StreamKind::kTokenIds)) dims.text_dim = EncoderHiddenSize(config.text);
  for (const StreamCache& s : data.features.streams) {
    if (s.kind == StreamKind::kPrecomputed) dims.stream_dims[s.name] = static_cast<int>(s.cache->Get(first).cols);
  }
  return dims;
}

// The corpus's caches in StreamKind order (audio first: its lengths bucket).
BatchSources SourcesOf(const CorpusData& data) {
  BatchSources sources;
  for (const StreamCache& s : data.features.streams) sources.push_back({s.kind, s.cache.get()});
  return sources;
}

// A split of a corpus as a BatchSource over the cached features.
class CorpusBatchSource : public BatchSource {
 public:
  CorpusBatchSource(std::shared_ptr<CorpusData> data, std::vector<int64_t> indices, BatcherOptions options,
                    Standardization standardization = nullptr)
      : data_(std::move(data)),
        indices_(indices),
        batcher_(&data_->corpus.utterances, std::move(indices), SourcesOf(*data_), options),
        standardization_(std::move(standardization)),
        shuffle_(options.shuffle) {}

  void SetShard(int rank, int world_size) override {
    if (world_size < 1 || rank < 0 || rank >= world_size) {
      throw InternalError(Cat("bad shard ", rank, " of ", world_size));
    }
    rank_ = rank;
    world_size_ = world_size;
  }

  // Training sources (shuffled) slice every global batch, evaluation sources
  // deal whole batches (ShardPlan); with one rank both are the plan itself.
  int64_t NumBatches(int epoch) const override {
    return world_size_ == 1 ? batcher_.NumBatches() : static_cast<int64_t>(RankPlan(epoch).size());
  }

  void ForEachBatch(int epoch, const std::function<void(const Batch&)>& visit) override {
    auto it = world_size_ == 1 ? batcher_.Start(epoch) : std::make_unique<Batcher::Epoch>(&batcher_, RankPlan(epoch));
    Batch batch;
    while (it->Next(&batch)) {
      if (standardization_) StandardizeBatch(*standardization_, data_->SpeakersOf(batch.ids), &batch);
      visit(batch);
    }
  }

  int64_t NumUtterances() const override { return static_cast<int64_t>(indices_.size()); }

  std::vector<std::string> ResultOrder() const override {
    std::vector<std::string> ids;
    ids.reserve(indices_.size());
    for (int64_t i : indices_) ids.push_back(data_->corpus.utterances[static_cast<size_t>(i)].id);
    return ids;
  }

 private:
  std::shared_ptr<CorpusData> data_;
  std::vector<int64_t> indices_;  // the split, in corpus order
  Batcher batcher_;
  Standardization standardization_;
  std::vector<std::vector<int64_t>> RankPlan(int epoch) const {
    return ShardPlan(batcher_.Plan(epoch), rank_, world_size_, shuffle_ ? ShardMode::kSlice : ShardMode::kDeal);
  }

  int rank_ = 0, world_size_ = 1;
  bool shuffle_;
};

BatcherOptions Options(const ExperimentConfig& config, bool shuffle, uint64_t seed) {
  BatcherOptions o;
  o.batch_size = config.train.batch_size;
  o.shuffle = shuffle;
  o.bucket = config.train.bucket;
  o.seed = seed;
  o.workers = config.train.num_workers;
  return o;
}

// The precomputed streams the model reads that data.streams standardises per speaker.
std::vector<PrecomputedStreamSpec> SpeakerNormalizedStreams(const ExperimentConfig& config) {
  const std::vector<std::string> read = RequiredStreams(config.model, config.text).Precomputed();
  std::vector<PrecomputedStreamSpec> out;
  for (const PrecomputedStreamSpec& spec : ParsePrecomputedStreams(config.data.streams)) {
    if (spec.normalize != StreamNormalization::kNone && std::count(read.begin(), read.end(), spec.name)) {
      out.push_back(spec);
    }
  }
  return out;
}

// A checkpoint's statistics of `stream` (CheckpointMeta::stream_normalization).
SpeakerStatistics StoredStatistics(const nlohmann::json& stored, const std::string& stream) {
  const std::string origin = "the checkpoint's stream_normalization";
  if (stored.is_array()) {
    for (const nlohmann::json& j : stored) {
      if (j.is_object() && j.value("stream", "") == stream) return SpeakerStatistics::FromJson(j, origin);
    }
  }
  throw DataError(Cat(origin, ": no speaker statistics of stream ", stream, " (data.streams.", stream,
                      ".normalize=speaker needs the training speakers' statistics)"));
}

// Each stream of `specs` fitted for a fold whose training utterances are `train`
// (FitSpeakerStatistics), or, for normalize=speaker with `stored` given, a
// checkpoint's statistics (new data has no training speakers to fit on).
Standardization FitStandardization(const CorpusData& data, const std::vector<PrecomputedStreamSpec>& specs,
                                   const std::vector<int64_t>& train, const nlohmann::json* stored = nullptr) {
  if (specs.empty()) return nullptr;
  auto stats = std::make_shared<std::vector<SpeakerStatistics>>();
  for (const PrecomputedStreamSpec& spec : specs) {
    if (spec.normalize == StreamNormalization::kSpeaker && stored) {
      stats->push_back(StoredStatistics(*stored, spec.name));
      continue;
    }
    const FeatureCache* cache = data.features.FindPrecomputed(spec.name);
    if (!cache) throw InternalError("no feature cache of standardised stream " + spec.name);
    stats->push_back(FitSpeakerStatistics(spec, data.corpus.utterances, train,
                                          [cache](const Utterance& u) { return cache->Get(u.id); }));
  }
  return stats;
}

nlohmann::json StandardizationJson(const Standardization& stats) {
  if (!stats) return nullptr;
  nlohmann::json j = nlohmann::json::array();
  for (const SpeakerStatistics& s : *stats) j.push_back(s.ToJson());
  return j;
}

void WarnTransductive(const std::vector<PrecomputedStreamSpec>& specs) {
  for (const PrecomputedStreamSpec& spec : specs) {
    if (spec.normalize != StreamNormalization::kSpeakerTransductive) continue;
    log::Warn(Cat("data.streams.", spec.name, ".normalize=speaker-transductive: validation and test speakers are "
                  "standardised with statistics of their own (unlabelled) features, so the results are "
                  "transductive; normalize=speaker uses the training speakers' statistics for them"));
  }
}

// MER-HAN's branches read sequences; a precomputed stream with one row for every
// utterance (pooled vectors) is refused, naming its model.streams entry.
void CheckBranchStreamsAreSequences(const CorpusData& data, const ModelOptions& model) {
  const std::string branches[2] = {model.AudioBranchStream(), model.TextBranchStream()};
  for (int k = 0; k < 2; ++k) {
    const FeatureCache* cache = branches[k].empty() ? nullptr : data.features.FindPrecomputed(branches[k]);
    if (!cache) continue;
    bool frames = false;
    for (const Utterance& u : data.corpus.utterances) frames = frames || cache->Get(u.id).rows > 1;
    if (frames) continue;
    const int index = k == 1 && model.modalities == "both" ? 1 : 0;
    throw UsageError(Cat("model.streams[", index, "]: MER-HAN's ", k == 0 ? "audio" : "text",
                         " branch reads a sequence (frames x dim), but stream \"", branches[k],
                         "\" is pooled (one row per utterance); give the branch a 2-D stream, or read pooled "
                         "streams with model.type mlp, early_fusion or late_fusion"));
  }
}

}  // namespace

ClassificationReport ComputeClassificationReport(const std::vector<int64_t>& y_true,
                                                 const std::vector<int64_t>& y_pred, int num_classes) {
  const ClassificationMetrics m = ComputeMetrics(y_true, y_pred, num_classes);
  ClassificationReport r;
  r.count = m.count;
  r.war = m.war;
  r.uar = m.uar;
  r.macro_f1 = m.macro_f1;
  r.weighted_f1 = m.weighted_f1;
  for (const ClassMetrics& c : m.per_class) {
    r.precision.push_back(c.precision);
    r.recall.push_back(c.recall);
    r.f1.push_back(c.f1);
    r.support.push_back(c.support);
  }
  r.confusion = m.confusion;
  return r;
}

EmotionModel BuildExperimentModel(const ExperimentConfig& config, const ModelDims& dims) {
  if (config.text.trainable_layers == 0 || !config.model.UsesText()) return BuildModel(config.model, dims);
  TextOptions text = config.text;
  text.model_dir = ResolveModelDir(text.model_dir);
  TextEncoder encoder = LoadBertEncoder(text);  // pretrained weights, top layers unfrozen
  ModelDims inner = dims;
  inner.text_dim = static_cast<int>(encoder.config.hidden_size);
  return WithTextEncoder(encoder.model, BuildModel(config.model, inner));
}

CrossValidationPlan MakeCrossValidationPlan(const ExperimentConfig& config) {
  auto folds = std::make_shared<std::vector<Fold>>();
  std::shared_ptr<CorpusData> data = LoadCorpusData(config, /*compute=*/true, [&](const Corpus& corpus) {
    *folds = MakeFolds(corpus.utterances, config.data);
  });
  const auto& utts = data->corpus.utterances;
  log::Info(Cat("corpus ", data->corpus.source, ": ", utts.size(), " utterances\n",
                CountTable(utts, config.data.classes)));
  log::Info(Cat("folds (", config.data.protocol, "):\n", FoldTable(*folds, utts, config.data.classes)));

  CheckBranchStreamsAreSequences(*data, config.model);
  const std::vector<PrecomputedStreamSpec> normalized = SpeakerNormalizedStreams(config);
  WarnTransductive(normalized);

  CrossValidationPlan plan;
  plan.num_folds = static_cast<int>(folds->size());
  for (const Fold& f : *folds) plan.fold_names.push_back(f.name);
  plan.classes = config.data.classes;
  plan.dims = DimsOf(*data, config);
  plan.describe_run = [data, folds, config](const std::string& run_dir) {
    const auto& u = data->corpus.utterances;
    nlohmann::json tables = {{"corpus", CountJson(data->corpus)},
                             {"folds", FoldTableJson(*folds, u, config.data.classes)}};
    WriteStringAtomically(run_dir + "/data.json", tables.dump(2) + "\n");
    WriteStringAtomically(run_dir + "/folds.md", CountTable(u, config.data.classes) + "\n" +
                                                     FoldTable(*folds, u, config.data.classes));
  };
  plan.provider = [data, folds, config, normalized](int fold_index, int seed) {
    const Fold& fold = folds->at(static_cast<size_t>(fold_index));
    AssertSpeakerDisjoint(fold, data->corpus.utterances);  // again, right before use
    FoldData fd;
    fd.name = fold.name;
    // Inside the fold: normalize=speaker reads the training speakers' features only.
    const Standardization standardization = FitStandardization(*data, normalized, fold.train);
    fd.stream_normalization = StandardizationJson(standardization);
    const BatcherOptions shuffled = Options(config, true, static_cast<uint64_t>(seed));
    fd.train = std::make_shared<CorpusBatchSource>(data, fold.train, shuffled, standardization);
    fd.val = std::make_shared<CorpusBatchSource>(data, fold.val, Options(config, false, 0), standardization);
    fd.test = std::make_shared<CorpusBatchSource>(data, fold.test, Options(config, false, 0), standardization);
    fd.train_class_counts.assign(config.data.classes.size(), 0);
    for (int64_t i : fold.train) ++fd.train_class_counts[static_cast<size_t>(data->corpus.utterances[static_cast<size_t>(i)].label)];
    const ModelDims dims = DimsOf(*data, config);
    auto train_source = fd.train;
    std::vector<std::pair<std::string, int64_t>> inputs;
    for (const std::string& name : config.model.Inputs()) inputs.emplace_back(name, dims.DimOf(name));
    fd.input_statistics = [train_source, inputs]() {
      InputStatisticsAccumulator acc(inputs);
      train_source->ForEachBatch(0, [&](const Batch& b) { acc.Add(b); });
      return acc.Finish();
    };
    return fd;
  };
  return plan;
}

std::shared_ptr<BatchSource> MakeManifestSource(const ExperimentConfig& config, const std::vector<std::string>& classes,
                                                const std::string& manifest, const nlohmann::json& stream_normalization) {
  ExperimentConfig c = config;
  c.data.format = "manifest";
  c.data.manifest = manifest;
  c.data.classes = classes;
  std::shared_ptr<CorpusData> data = LoadCorpusData(c, /*compute=*/true);
  std::vector<int64_t> all(data->corpus.utterances.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  // A checkpoint's training speakers' statistics (speaker), or the manifest's own
  // speakers' (speaker-transductive).
  const std::vector<PrecomputedStreamSpec> normalized = SpeakerNormalizedStreams(c);
  WarnTransductive(normalized);
  Standardization standardization = FitStandardization(*data, normalized, {}, &stream_normalization);
  return std::make_shared<CorpusBatchSource>(data, std::move(all), Options(c, false, 0), std::move(standardization));
}

struct InferenceFrontEnd {
  // The training streams' own extractors (the text encoder loads on first use).
  std::vector<FeatureStream> streams;
};

Batch MakeInferenceBatch(const ExperimentConfig& config, const std::vector<InferenceInput>& inputs,
                         std::shared_ptr<InferenceFrontEnd>* front_end_in) {
  if (inputs.empty()) throw UsageError("nothing to predict");
  std::vector<Utterance> utterances(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    utterances[i].id = inputs[i].id;
    utterances[i].wav_path = inputs[i].wav_path;
    utterances[i].text = inputs[i].text;
  }
  // The training streams' own extractors, then the batcher's Collate.
  const StreamSet required = RequiredStreams(config.model, config.text);
  if (!required.Precomputed().empty()) {
    const std::string& name = required.Precomputed().front();
    throw UsageError(Cat("the model reads stream \"", name, "\" (data.streams.", name, "), which is read from files, "
                         "not computed from a wav and a transcript: predict with --manifest, with a row for each "
                         "utterance pointing at its ", name, " features (a column \"", name, "\" naming its .npy "
                         "file, or data.streams.", name, ".dir/<id>.npy, or the id's tensor in data.streams.", name,
                         ".file)"));
  }
  std::shared_ptr<InferenceFrontEnd> local;
  std::shared_ptr<InferenceFrontEnd>& front_end = front_end_in ? *front_end_in : local;
  if (!front_end) {
    front_end = std::make_shared<InferenceFrontEnd>();
    for (StreamKind kind : required.Kinds()) {
      front_end->streams.push_back(MakeFeatureStream(kind, config.audio, config.mfcc, config.text));
    }
  }
  std::vector<std::vector<FeatureMatrix>> matrices(front_end->streams.size());
  std::vector<CollateStream> streams;
  for (size_t k = 0; k < front_end->streams.size(); ++k) {
    const FeatureStream& stream = front_end->streams[k];
    for (const Utterance& u : utterances) matrices[k].push_back(stream.extract(u));
    CollateStream s{stream.kind, stream.name, "inference", {}};
    for (const FeatureMatrix& m : matrices[k]) s.items.push_back(ViewOf(m));
    streams.push_back(std::move(s));
  }
  std::vector<std::string> ids;
  for (const auto& in : inputs) ids.push_back(in.id);
  return Collate(std::move(ids), std::vector<int64_t>(inputs.size(), -1), streams);
}

}  // namespace merhan
