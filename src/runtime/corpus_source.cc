#include "merhan/runtime/corpus_source.h"

#include "merhan/data/collate.h"
#include "merhan/data/speech_encoder_stream.h"
#include "merhan/nn/bert.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// Hidden size of the encoder in text.model_dir (its config.json).
int EncoderHiddenSize(const TextOptions& text) {
  return static_cast<int>(BertConfig::FromJson(ResolveModelDir(text.model_dir) + "/config.json").hidden_size);
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
                    Standardization standardization)
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

}  // namespace

std::vector<std::string> CorpusData::SpeakersOf(const std::vector<std::string>& ids) const {
  std::vector<std::string> speakers;
  for (const std::string& id : ids) speakers.push_back(speaker_of.at(id));
  return speakers;
}

std::shared_ptr<CorpusData> LoadCorpusData(const ExperimentConfig& config,
                                           const std::function<void(const Corpus&)>& before_features) {
  auto data = std::make_shared<CorpusData>();
  data->corpus = ReadCorpus(config.data);
  if (data->corpus.utterances.empty()) throw DataError(data->corpus.source + ": no labelled utterances");
  for (const Utterance& u : data->corpus.utterances) data->speaker_of[u.id] = u.speaker;
  if (before_features) before_features(data->corpus);
  EnsureOptions ensure;
  ensure.compute = true;
  data->features = EnsureCorpusFeatures(data->corpus, config.data, config.audio, config.mfcc, config.text,
                                        RequiredStreams(config.model, config.text), ensure);
  return data;
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
  const std::vector<PrecomputedStreamSpec> specs = ParsePrecomputedStreams(config.data.streams);
  for (const StreamCache& s : data.features.streams) {
    if (s.kind != StreamKind::kPrecomputed) continue;
    int layers = 1;
    int dim = static_cast<int>(s.cache->Get(first).cols);
    for (const PrecomputedStreamSpec& spec : specs) {
      if (spec.name != s.name || spec.format != PrecomputedFormat::kSpeechEncoder) continue;
      // What the model reads: the kept states (some computed by its own top layers).
      const SpeechStreamLayout layout = ResolveSpeechStream(spec);
      layers = static_cast<int>(layout.layers.size());
      dim = static_cast<int>(layout.hidden_size);
    }
    dims.stream_dims[s.name] = dim;
    if (layers > 1) dims.stream_layers[s.name] = layers;
  }
  return dims;
}

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

BatcherOptions BatcherOptionsFor(const ExperimentConfig& config, BatchOrder order, uint64_t seed) {
  BatcherOptions o;
  o.batch_size = config.train.batch_size;
  o.shuffle = order == BatchOrder::kShuffled;
  o.bucket = config.train.bucket;
  o.seed = seed;
  o.workers = config.train.num_workers;
  return o;
}

std::shared_ptr<BatchSource> MakeCorpusSource(std::shared_ptr<CorpusData> data, std::vector<int64_t> indices,
                                              const BatcherOptions& options, Standardization standardization) {
  return std::make_shared<CorpusBatchSource>(std::move(data), std::move(indices), options, std::move(standardization));
}

FoldSources MakeFoldSources(const std::shared_ptr<CorpusData>& data, const Fold& fold, const ExperimentConfig& config,
                            int seed, const std::vector<PrecomputedStreamSpec>& normalized) {
  AssertSpeakerDisjoint(fold, data->corpus.utterances);  // again, right before use
  // Inside the fold: normalize=speaker reads the training speakers' features only.
  const Standardization standardization = FitStandardization(*data, normalized, fold.train);
  const BatcherOptions fixed = BatcherOptionsFor(config, BatchOrder::kFixed);
  FoldSources s;
  s.stream_normalization = StandardizationJson(standardization);
  s.train = MakeCorpusSource(
      data, fold.train, BatcherOptionsFor(config, BatchOrder::kShuffled, static_cast<uint64_t>(seed)), standardization);
  s.val = MakeCorpusSource(data, fold.val, fixed, standardization);
  s.test = MakeCorpusSource(data, fold.test, fixed, standardization);
  return s;
}

std::shared_ptr<BatchSource> MakeManifestSource(const ExperimentConfig& config, const std::vector<std::string>& classes,
                                                const std::string& manifest,
                                                const nlohmann::json& stream_normalization) {
  ExperimentConfig c = config;
  c.data.format = "manifest";
  c.data.manifest = manifest;
  c.data.corpora = nlohmann::json::array();  // a model trained on data.corpora reads the manifest alone
  c.data.classes = classes;
  std::shared_ptr<CorpusData> data = LoadCorpusData(c);
  std::vector<int64_t> all(data->corpus.utterances.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  // A checkpoint's training speakers' statistics (speaker), or the manifest's own
  // speakers' (speaker-transductive).
  const std::vector<PrecomputedStreamSpec> normalized = SpeakerNormalizedStreams(c);
  WarnTransductive(normalized);
  Standardization standardization = FitStandardization(*data, normalized, {}, &stream_normalization);
  return MakeCorpusSource(data, std::move(all), BatcherOptionsFor(c, BatchOrder::kFixed), std::move(standardization));
}

}  // namespace merhan
