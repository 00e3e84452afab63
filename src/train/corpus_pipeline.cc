// The data layer wired to the trainer: a corpus, its cached features and its folds
// become the CrossValidationPlan; manifests and single files become batches for
// eval and predict, with features computed exactly as in training.
#include <algorithm>

#include "merhan/audio/mfcc.h"
#include "merhan/data/batcher.h"
#include "merhan/data/corpus.h"
#include "merhan/data/torch_power_spectrum.h"
#include "merhan/data/feature_streams.h"
#include "merhan/data/folds.h"
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
};

std::shared_ptr<CorpusData> LoadCorpusData(const ExperimentConfig& config, bool compute) {
  auto data = std::make_shared<CorpusData>();
  data->corpus = ReadCorpus(config.data);
  if (data->corpus.utterances.empty()) throw DataError(data->corpus.source + ": no labelled utterances");
  data->features = EnsureCorpusFeatures(data->corpus, config.data, config.audio, config.mfcc, config.text,
                                        /*progress=*/true, compute, config.model.UsesAudio(), config.model.UsesText());
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
  if (data.features.audio) dims.audio_dim = static_cast<int>(data.features.audio->Get(first).cols);
  if (data.features.text) dims.text_dim = static_cast<int>(data.features.text->Get(first).cols);
  if (data.features.tokens) dims.text_dim = EncoderHiddenSize(config.text);
  return dims;
}

// A split of a corpus as a BatchSource over the cached features.
class CorpusBatchSource : public BatchSource {
 public:
  CorpusBatchSource(std::shared_ptr<CorpusData> data, std::vector<int64_t> indices, BatcherOptions options)
      : data_(std::move(data)),
        indices_(indices),
        batcher_(&data_->corpus.utterances, std::move(indices),
                 BatchSources{data_->features.audio.get(), data_->features.text.get(), data_->features.tokens.get()}, options) {}

  void SetShard(int rank, int world_size) override {
    if (world_size < 1 || rank < 0 || rank >= world_size) {
      throw InternalError(Cat("bad shard ", rank, " of ", world_size));
    }
    rank_ = rank;
    world_size_ = world_size;
  }

  int64_t NumBatches(int /*epoch*/) const override {
    // Every rank sees the same number of batches: the remainder is dropped.
    return world_size_ == 1 ? batcher_.NumBatches() : batcher_.NumBatches() / world_size_;
  }

  void ForEachBatch(int epoch, const std::function<void(const Batch&)>& visit) override {
    if (world_size_ == 1) {
      auto it = batcher_.Start(epoch);
      Batch batch;
      while (it->Next(&batch)) visit(batch);
      return;
    }
    const auto plan = batcher_.Plan(epoch);
    const int64_t per_rank = NumBatches(epoch);
    for (int64_t b = 0; b < per_rank; ++b) visit(batcher_.Make(plan[static_cast<size_t>(b * world_size_ + rank_)]));
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
  int rank_ = 0, world_size_ = 1;
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
  std::shared_ptr<CorpusData> data = LoadCorpusData(config, /*compute=*/true);
  const auto& utts = data->corpus.utterances;
  auto folds = std::make_shared<std::vector<Fold>>(MakeFolds(utts, config.data));
  log::Info(Cat("corpus ", data->corpus.source, ": ", utts.size(), " utterances\n",
                CountTable(utts, config.data.classes)));
  log::Info(Cat("folds (", config.data.protocol, "):\n", FoldTable(*folds, utts, config.data.classes)));

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
  plan.provider = [data, folds, config](int fold_index, int seed) {
    const Fold& fold = folds->at(static_cast<size_t>(fold_index));
    AssertSpeakerDisjoint(fold, data->corpus.utterances);  // again, right before use
    FoldData fd;
    fd.name = fold.name;
    fd.train = std::make_shared<CorpusBatchSource>(data, fold.train, Options(config, true, static_cast<uint64_t>(seed)));
    fd.val = std::make_shared<CorpusBatchSource>(data, fold.val, Options(config, false, 0));
    fd.test = std::make_shared<CorpusBatchSource>(data, fold.test, Options(config, false, 0));
    fd.train_class_counts.assign(config.data.classes.size(), 0);
    for (int64_t i : fold.train) ++fd.train_class_counts[static_cast<size_t>(data->corpus.utterances[static_cast<size_t>(i)].label)];
    const ModelDims dims = DimsOf(*data, config);
    auto train_source = fd.train;
    fd.input_statistics = [train_source, dims]() {
      InputStatisticsAccumulator acc(dims.audio_dim, dims.text_dim);
      train_source->ForEachBatch(0, [&](const Batch& b) { acc.Add(b); });
      return acc.Finish();
    };
    return fd;
  };
  return plan;
}

std::shared_ptr<BatchSource> MakeManifestSource(const ExperimentConfig& config, const std::vector<std::string>& classes,
                                                const std::string& manifest) {
  ExperimentConfig c = config;
  c.data.format = "manifest";
  c.data.manifest = manifest;
  c.data.classes = classes;
  std::shared_ptr<CorpusData> data = LoadCorpusData(c, /*compute=*/true);
  std::vector<int64_t> all(data->corpus.utterances.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  return std::make_shared<CorpusBatchSource>(data, std::move(all), Options(c, false, 0));
}

struct InferenceFrontEnd {
  std::unique_ptr<Mfcc> mfcc;
  std::unique_ptr<Tokenizer> tokenizer;  // fine-tuned encoder: token ids only
  std::unique_ptr<TextEncoder> encoder;  // frozen encoder: its hidden states
};

Batch MakeInferenceBatch(const ExperimentConfig& config, const std::vector<InferenceInput>& inputs,
                         std::shared_ptr<InferenceFrontEnd>* front_end_in) {
  if (inputs.empty()) throw UsageError("nothing to predict");
  const bool audio = config.model.UsesAudio(), text = config.model.UsesText();
  const bool tokens = text && config.text.trainable_layers > 0;
  std::shared_ptr<InferenceFrontEnd> local;
  std::shared_ptr<InferenceFrontEnd>& front_end = front_end_in ? *front_end_in : local;
  if (!front_end) {
    front_end = std::make_shared<InferenceFrontEnd>();
    if (audio) {
      CheckSampleRatesAgree(config.audio, config.mfcc);
      front_end->mfcc = std::make_unique<Mfcc>(config.mfcc, MakeTorchPowerSpectrum);
    }
    if (tokens) {
      front_end->tokenizer = LoadTokenizer(ResolveModelDir(config.text.model_dir));
    } else if (text) {
      TextOptions options = config.text;
      options.trainable_layers = 0;
      front_end->encoder = std::make_unique<TextEncoder>(LoadBertEncoder(options));
    }
  }
  std::vector<FeatureMatrix> a(inputs.size()), t(inputs.size());
  if (audio) {
    for (size_t i = 0; i < inputs.size(); ++i) a[i] = ExtractMfcc(inputs[i].wav_path, config.audio, *front_end->mfcc);
  }
  if (tokens) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      try {
        t[i] = ExtractTokens(inputs[i].text, *front_end->tokenizer, config.text.max_length);
      } catch (const DataError& e) {
        throw DataError(inputs[i].id + ": " + e.what());
      }
    }
  } else if (text) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      try {
        t[i] = ExtractTextFeatures(inputs[i].text, *front_end->encoder, config.text.max_length);
      } catch (const DataError& e) {
        throw DataError(inputs[i].id + ": " + e.what());
      }
    }
  }
  // Pad exactly as the batcher does: to the longest item, masks true at valid positions.
  auto pad = [](const std::vector<FeatureMatrix>& ms, torch::Tensor* values, torch::Tensor* mask, torch::Tensor* lengths) {
    int64_t longest = 0, cols = ms.front().cols;
    for (const auto& m : ms) longest = std::max(longest, m.rows);
    *values = torch::zeros({static_cast<int64_t>(ms.size()), longest, cols});
    *mask = torch::zeros({static_cast<int64_t>(ms.size()), longest}, torch::kBool);
    *lengths = torch::zeros({static_cast<int64_t>(ms.size())}, torch::kInt64);
    for (size_t i = 0; i < ms.size(); ++i) {
      const auto& m = ms[i];
      (*values)[static_cast<int64_t>(i)].narrow(0, 0, m.rows).copy_(
          torch::from_blob(const_cast<float*>(m.data.data()), {m.rows, m.cols}));
      (*mask)[static_cast<int64_t>(i)].narrow(0, 0, m.rows).fill_(true);
      (*lengths)[static_cast<int64_t>(i)] = m.rows;
    }
  };
  Batch batch;
  for (const auto& in : inputs) batch.ids.push_back(in.id);
  torch::Tensor unused;
  if (audio) pad(a, &batch.audio, &batch.audio_mask, &batch.audio_lengths);
  if (tokens) {  // as the batcher's tokens stream: ids, zero token types, the mask
    torch::Tensor ids;
    pad(t, &ids, &batch.text_mask, &unused);
    batch.input_ids = ids.squeeze(-1).round().to(torch::kInt64);
    batch.token_type_ids = torch::zeros_like(batch.input_ids);
  } else if (text) {
    pad(t, &batch.text, &batch.text_mask, &unused);
  }
  batch.labels = torch::full({static_cast<int64_t>(inputs.size())}, -1, torch::kInt64);
  return batch;
}

}  // namespace merhan
