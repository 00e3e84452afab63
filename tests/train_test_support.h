// Test doubles for the trainer: a tiny model and an in-memory BatchSource of
// synthetic utterances whose class is carried by the mean of their features.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "merhan/nn/emotion_model.h"
#include "merhan/runtime/batch_source.h"

namespace merhan::testing {

// Masked mean over audio frames -> standardise (buffers) -> MLP with dropout.
class TinyModelImpl : public EmotionModelImpl {
 public:
  TinyModelImpl(int in_dim, int num_classes, double dropout = 0.3, int hidden = 16)
      : fc1(register_module("fc1", torch::nn::Linear(in_dim, hidden))),
        drop(register_module("drop", torch::nn::Dropout(dropout))),
        fc2(register_module("fc2", torch::nn::Linear(hidden, num_classes))) {
    mean = register_buffer("input_mean", torch::zeros({in_dim}));
    stdev = register_buffer("input_std", torch::ones({in_dim}));
  }
  torch::Tensor forward(const Batch& b) override {
    auto mask = b.audio_mask.unsqueeze(-1).to(b.audio.dtype());
    auto pooled = (b.audio * mask).sum(1) / mask.sum(1).clamp_min(1);
    pooled = (pooled - mean) / stdev;
    return fc2(drop(torch::relu(fc1(pooled))));
  }
  torch::Tensor Loss(const Batch& b, const torch::Tensor& w, double smoothing) override {
    auto opts = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(smoothing);
    if (w.defined()) opts = opts.weight(w);
    return torch::nn::functional::cross_entropy(forward(b), b.labels, opts);
  }
  torch::Tensor Probabilities(const Batch& b) override { return torch::softmax(forward(b), 1); }
  bool NeedsInputStatistics() const override { return needs_stats; }
  void SetInputStatistics(const InputStatistics& s) override {
    torch::NoGradGuard g;
    mean.copy_(s.audio_mean);
    stdev.copy_(s.audio_std);
  }
  bool UsesText() const override { return false; }

  bool needs_stats = false;
  torch::nn::Linear fc1;
  torch::nn::Dropout drop;
  torch::nn::Linear fc2;
  torch::Tensor mean, stdev;
};
TORCH_MODULE(TinyModel);

// ModuleHolder's forwarding constructor would try to build the abstract base
// from a derived pointer; hand it a base pointer instead.
inline EmotionModel AsEmotionModel(const TinyModel& m) {
  return EmotionModel(std::static_pointer_cast<EmotionModelImpl>(m.ptr()));
}

struct SyntheticExample {
  std::string id;
  torch::Tensor audio;  // (T, D)
  int64_t label;
};

// `n` utterances of `dim` features and 3..8 frames; class c shifts the mean of
// feature c by +`separation`. Deterministic in `seed` (no global torch RNG).
inline std::vector<SyntheticExample> MakeExamples(int n, int dim, int num_classes, uint64_t seed,
                                                  double separation = 2.0, const std::string& prefix = "utt") {
  std::vector<SyntheticExample> out;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (int i = 0; i < n; ++i) {
    const int64_t label = i % num_classes;
    const int64_t frames = 3 + (i * 7) % 6;
    auto x = torch::randn({frames, dim}, gen);
    x.select(1, label % dim).add_(separation);
    out.push_back({prefix + std::to_string(i), x, label});
  }
  return out;
}

// In-memory BatchSource: training sources shuffle with std::mt19937_64 seeded
// from (seed, epoch); evaluation sources keep the order. Counts its passes.
class SyntheticSource : public BatchSource {
 public:
  SyntheticSource(std::vector<SyntheticExample> examples, int batch_size, bool shuffle, uint64_t seed = 0)
      : examples_(std::move(examples)), batch_size_(batch_size), shuffle_(shuffle), seed_(seed) {}

  void SetShard(int rank, int world_size) override {
    rank_ = rank;
    world_size_ = world_size;
  }
  int64_t NumBatches(int) const override {
    const int64_t mine = static_cast<int64_t>(Indices(0).size());
    return (mine + batch_size_ - 1) / batch_size_;
  }
  int64_t NumUtterances() const override { return static_cast<int64_t>(examples_.size()); }
  void ForEachBatch(int epoch, const std::function<void(const Batch&)>& visit) override {
    ++passes;
    if (on_epoch) on_epoch(epoch);
    const auto order = Indices(epoch);
    for (size_t start = 0; start < order.size(); start += batch_size_) {
      const size_t end = std::min(order.size(), start + batch_size_);
      visit(MakeBatch(std::vector<size_t>(order.begin() + start, order.begin() + end)));
    }
  }

  int passes = 0;
  std::function<void(int epoch)> on_epoch;  // e.g. to simulate a crash

 private:
  std::vector<size_t> Indices(int epoch) const {
    std::vector<size_t> idx(examples_.size());
    std::iota(idx.begin(), idx.end(), 0);
    if (shuffle_) {
      std::mt19937_64 rng(seed_ * 1000003ull + static_cast<uint64_t>(epoch));
      std::shuffle(idx.begin(), idx.end(), rng);
    }
    std::vector<size_t> mine;  // distributed-sampler style: every world_size-th
    for (size_t i = rank_; i < idx.size(); i += world_size_) mine.push_back(idx[i]);
    return mine;
  }
  Batch MakeBatch(const std::vector<size_t>& which) const {
    Batch b;
    int64_t max_t = 0;
    const int64_t dim = examples_[which[0]].audio.size(1);
    for (size_t i : which) max_t = std::max(max_t, examples_[i].audio.size(0));
    const int64_t n = static_cast<int64_t>(which.size());
    b.audio = torch::zeros({n, max_t, dim});
    b.audio_mask = torch::zeros({n, max_t}, torch::kBool);
    b.audio_lengths = torch::zeros({n}, torch::kInt64);
    b.labels = torch::zeros({n}, torch::kInt64);
    for (int64_t k = 0; k < n; ++k) {
      const auto& e = examples_[which[k]];
      const int64_t t = e.audio.size(0);
      b.audio[k].narrow(0, 0, t).copy_(e.audio);
      b.audio_mask[k].narrow(0, 0, t).fill_(true);
      b.audio_lengths[k] = t;
      b.labels[k] = e.label;
      b.ids.push_back(e.id);
    }
    return b;
  }

  std::vector<SyntheticExample> examples_;
  int batch_size_;
  bool shuffle_;
  uint64_t seed_;
  size_t rank_ = 0, world_size_ = 1;
};

}  // namespace merhan::testing
