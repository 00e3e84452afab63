#include "merhan/data/batcher.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t bound) {
  // Rejection sampling: unbiased.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % bound;
}

void DeterministicShuffle(std::vector<int64_t>* v, SplitMix64* rng) {
  for (size_t i = v->size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng->Below(i));
    std::swap((*v)[i - 1], (*v)[j]);
  }
}

std::vector<std::vector<int64_t>> ShardPlan(const std::vector<std::vector<int64_t>>& plan, int rank, int world_size,
                                            ShardMode mode) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw InternalError(Cat("bad shard ", rank, " of ", world_size));
  std::vector<std::vector<int64_t>> mine;
  const size_t r = static_cast<size_t>(rank), w = static_cast<size_t>(world_size);
  for (size_t b = 0; b < plan.size(); ++b) {
    if (mode == ShardMode::kDeal) {
      if (b % w == r) mine.push_back(plan[b]);
      continue;
    }
    const size_t n = plan[b].size();
    mine.emplace_back(plan[b].begin() + static_cast<std::ptrdiff_t>(r * n / w),
                      plan[b].begin() + static_cast<std::ptrdiff_t>((r + 1) * n / w));
  }
  return mine;
}

Batcher::Batcher(const std::vector<Utterance>* utterances, std::vector<int64_t> indices, BatchSources sources,
                 BatcherOptions options)
    : utterances_(utterances), indices_(std::move(indices)), sources_(sources), options_(options) {
  if (options_.batch_size < 1) throw UsageError("train.batch_size: must be >= 1");
  if (sources_.empty()) throw InternalError("Batcher: no feature source");
  for (const CachedStream& s : sources_) {
    if (!s.cache) throw InternalError(Cat("Batcher: no cache for stream ", StreamKindName(s.kind)));
  }
  for (int64_t i : indices_) {
    if (i < 0 || static_cast<size_t>(i) >= utterances_->size()) throw InternalError("Batcher: index out of range");
  }
}

int64_t Batcher::LengthOf(int64_t index) const {
  return sources_.front().cache->Get((*utterances_)[static_cast<size_t>(index)].id).rows;
}

int64_t Batcher::NumBatches() const {
  const int64_t n = static_cast<int64_t>(indices_.size()), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<std::vector<int64_t>> Batcher::Plan(int epoch) const {
  std::vector<int64_t> order = indices_;
  const size_t b = static_cast<size_t>(options_.batch_size);
  std::vector<int64_t> lengths;  // by utterance index, when bucketing
  if (options_.bucket) {
    lengths.assign(utterances_->size(), 0);
    for (int64_t i : order) lengths[static_cast<size_t>(i)] = LengthOf(i);
  }
  auto sort_by_length = [&](size_t first, size_t last) {
    std::stable_sort(
        order.begin() + static_cast<std::ptrdiff_t>(first),
        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), last)),
        [&](int64_t x, int64_t y) { return lengths[static_cast<size_t>(x)] < lengths[static_cast<size_t>(y)]; });
  };
  SplitMix64 rng(options_.seed * 0x100000001B3ULL + static_cast<uint64_t>(epoch) + 1);
  if (options_.shuffle) {
    DeterministicShuffle(&order, &rng);
    // Similar lengths share a batch (less padding) while chunks keep it random.
    const size_t chunk = b * static_cast<size_t>(std::max(1, options_.bucket_chunk));
    if (options_.bucket) {
      for (size_t start = 0; start < order.size(); start += chunk) sort_by_length(start, start + chunk);
    }
  } else if (options_.bucket) {
    sort_by_length(0, order.size());  // evaluation: a fixed order
  }
  std::vector<std::vector<int64_t>> batches;
  for (size_t i = 0; i < order.size(); i += b) {
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                         order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + b)));
  }
  if (options_.shuffle) {
    // Shuffle the batch order too, so that lengths do not grow within a chunk.
    std::vector<int64_t> perm(batches.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
    DeterministicShuffle(&perm, &rng);
    std::vector<std::vector<int64_t>> shuffled;
    shuffled.reserve(batches.size());
    for (int64_t p : perm) shuffled.push_back(std::move(batches[static_cast<size_t>(p)]));
    batches = std::move(shuffled);
  }
  if (options_.drop_last) {  // with shuffling the short batch may sit anywhere
    batches.erase(
        std::remove_if(batches.begin(), batches.end(), [&](const std::vector<int64_t>& x) { return x.size() < b; }),
        batches.end());
  }
  return batches;
}

Batch Batcher::Make(const std::vector<int64_t>& indices) const {
  std::vector<std::string> ids;
  std::vector<int64_t> labels;
  for (int64_t i : indices) {
    const Utterance& u = (*utterances_)[static_cast<size_t>(i)];
    ids.push_back(u.id);
    labels.push_back(u.label);
  }
  std::vector<CollateStream> streams;
  for (const CachedStream& source : sources_) {
    CollateStream s{source.kind, source.cache->stream(), "feature cache " + source.cache->dir(), {}};
    for (const std::string& id : ids) s.items.push_back(source.cache->Get(id));
    streams.push_back(std::move(s));
  }
  return Collate(std::move(ids), labels, streams);
}

std::unique_ptr<Batcher::Epoch> Batcher::Start(int epoch) const { return std::make_unique<Epoch>(this, Plan(epoch)); }

Batcher::Epoch::Epoch(const Batcher* batcher, std::vector<std::vector<int64_t>> plan)
    : batcher_(batcher), plan_(std::move(plan)) {
  for (int t = 0; t < batcher_->options_.workers; ++t) threads_.emplace_back([this] { Work(); });
}

Batcher::Epoch::~Epoch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void Batcher::Epoch::Work() {
  // Batch building is copying; letting each worker start its own OpenMP team of
  // intra-op threads oversubscribes the cores the training step needs.
  at::set_num_threads(1);
  const size_t window = static_cast<size_t>(std::max(1, batcher_->options_.prefetch));
  while (true) {
    size_t k;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Build ahead of the consumer by at most `window` batches.
      cv_.wait(lock, [&] {
        return stop_ || error_ || next_to_build_ >= plan_.size() || next_to_build_ < next_to_take_ + window;
      });
      if (stop_ || error_ || next_to_build_ >= plan_.size()) return;
      k = next_to_build_++;
    }
    try {
      Batch b = batcher_->Make(plan_[k]);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(k, std::move(b));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

bool Batcher::Epoch::Next(Batch* batch) {
  if (next_to_take_ >= plan_.size()) return false;
  if (threads_.empty()) {
    *batch = batcher_->Make(plan_[next_to_take_++]);
    return true;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return error_ || ready_.count(next_to_take_) > 0; });
  if (error_ && !ready_.count(next_to_take_)) std::rethrow_exception(error_);
  auto it = ready_.find(next_to_take_);
  *batch = std::move(it->second);
  ready_.erase(it);
  ++next_to_take_;
  lock.unlock();
  cv_.notify_all();
  return true;
}

}  // namespace merhan
