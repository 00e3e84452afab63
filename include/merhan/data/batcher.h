// Turns a split (utterance indices) and cached features into padded Batches
// (through data/collate.h, as inference does): length-bucketed shuffling that is deterministic in (seed, epoch), and a
// bounded prefetch queue filled by worker threads that yields exactly the batches, in the same order, as the
// synchronous path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "merhan/data/collate.h"
#include "merhan/data/feature_cache.h"
#include "merhan/data/stream_kind.h"
#include "merhan/data/utterance.h"
#include "merhan/nn/batch.h"

namespace merhan {

struct BatcherOptions {
  int batch_size = 32;
  bool shuffle = true;  // false: corpus order (evaluation)
  // shuffle: sort by length within chunks of bucket_chunk batches; no shuffle
  // (evaluation): sort the whole split by length. Either way a batch pads little.
  bool bucket = true;
  int bucket_chunk = 50;
  uint64_t seed = 1;
  int workers = 2;   // prefetch threads; 0 = build batches on the caller's thread
  int prefetch = 4;  // batches ready ahead of the consumer
  bool drop_last = false;
};

// One feature stream a batch is made of: its kind (where Collate puts it) and the
// cache holding its matrices. The first source's lengths decide the bucketing.
struct CachedStream {
  StreamKind kind = StreamKind::kMfcc;
  const FeatureCache* cache = nullptr;
};
using BatchSources = std::vector<CachedStream>;

// Deterministic pseudo-random numbers (splitmix64) and shuffle, identical on every
// platform (std::shuffle's output depends on the standard library).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  uint64_t Below(uint64_t bound);  // uniform in [0, bound)
 private:
  uint64_t state_;
};
void DeterministicShuffle(std::vector<int64_t>* v, SplitMix64* rng);

// A rank's share of an epoch's plan in data-parallel training
// (docs/design.md "Data-parallel training"):
//  kSlice (training): rank r of W takes items [r*n/W, (r+1)*n/W) of every global
//    batch of n items, so every rank takes the same number of steps and the
//    ranks together see exactly the one-process batch. Slices differ by at most
//    one item; when n < W (a short last batch) some are empty.
//  kDeal (evaluation): whole batches, dealt round-robin (batch b to rank b mod W),
//    so that each batch is padded and computed as with one process.
enum class ShardMode { kSlice, kDeal };
std::vector<std::vector<int64_t>> ShardPlan(const std::vector<std::vector<int64_t>>& plan, int rank, int world_size,
                                            ShardMode mode);

class Batcher {
 public:
  Batcher(const std::vector<Utterance>* utterances, std::vector<int64_t> indices, BatchSources sources,
          BatcherOptions options);

  // The batches of an epoch as utterance indices.
  std::vector<std::vector<int64_t>> Plan(int epoch) const;
  // Builds one padded batch (thread-safe).
  Batch Make(const std::vector<int64_t>& batch) const;
  int64_t NumBatches() const;

  // Iterates one epoch's batches, prefetched by options.workers threads.
  class Epoch {
   public:
    Epoch(const Batcher* batcher, std::vector<std::vector<int64_t>> plan);
    ~Epoch();
    Epoch(const Epoch&) = delete;
    Epoch& operator=(const Epoch&) = delete;
    // False at the end of the epoch; rethrows a worker's exception.
    bool Next(Batch* batch);

   private:
    void Work();
    const Batcher* batcher_;
    std::vector<std::vector<int64_t>> plan_;
    size_t next_to_build_ = 0;
    size_t next_to_take_ = 0;
    std::map<size_t, Batch> ready_;
    std::exception_ptr error_;
    bool stop_ = false;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::thread> threads_;
  };
  std::unique_ptr<Epoch> Start(int epoch) const;

 private:
  int64_t LengthOf(int64_t index) const;

  const std::vector<Utterance>* utterances_;
  std::vector<int64_t> indices_;
  BatchSources sources_;
  BatcherOptions options_;
};

}  // namespace merhan
