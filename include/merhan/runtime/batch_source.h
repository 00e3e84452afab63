// The seam between the data layer and the trainer: where batches come from.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/nn/batch.h"
#include "merhan/nn/emotion_model.h"

namespace merhan {

// A split of one fold as a sequence of batches.
//
// Contract (what the trainer relies on):
//  - Training sources shuffle with a generator seeded from (seed, epoch) only, so
//    that epoch e yields the same batches whether or not the run was resumed.
//    Evaluation sources yield a fixed order and ignore `epoch`.
//  - Data parallelism: after SetShard(rank, world_size) a source yields only
//    rank's share of every epoch (data/batcher.h ShardPlan): a training source
//    its slice of every global batch (every rank the same number of batches,
//    a slice possibly empty), an evaluation source whole batches dealt
//    round-robin. A new source starts as (0, 1). Shuffling must never draw
//    from torch's global generator (dropout does, and resume restores it).
//  - Batches are on the CPU; the trainer moves them to its device.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual void SetShard(int rank, int world_size) = 0;
  // Batches this rank will see in `epoch` (for progress and ETA).
  virtual int64_t NumBatches(int epoch) const = 0;
  // Calls `visit` on each batch of `epoch`, in order.
  virtual void ForEachBatch(int epoch, const std::function<void(const Batch&)>& visit) = 0;
  // Utterances in the whole split (all ranks).
  virtual int64_t NumUtterances() const = 0;
  // The split's utterance ids in its own order, for a source whose batches come in
  // another (evaluation batches sorted by length): evaluation results are put back
  // in this order. Empty: results stay in batch order.
  virtual std::vector<std::string> ResultOrder() const { return {}; }
};

}  // namespace merhan
