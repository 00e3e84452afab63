// Dynamic batching for `merhan serve`: request threads submit utterances; each of
// `workers` worker threads takes up to max_batch of them at a time (waiting at
// most max_wait for more once the first has arrived) and runs them through one
// model call, so that on a CPU one batch computes while the next one forms.
// docs/design.md §5b.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/runtime/inference.h"

namespace merhan {

// What became of one utterance: its prediction JSON, or an HTTP status with a reason.
struct QueuedResult {
  int status = 200;
  nlohmann::json body;  // the prediction, or {"error": reason}
};

class BatchingQueue {
 public:
  // `predict` turns a batch into one JSON per input, in order (PredictInputs);
  // it is called on worker `worker` (0 .. workers-1), from that worker's thread only.
  // `on_worker_start` runs first on each worker thread (thread settings).
  using PredictFn = std::function<std::vector<nlohmann::json>(int worker, const std::vector<InferenceInput>&)>;
  BatchingQueue(PredictFn predict, int max_batch, std::chrono::milliseconds max_wait, int max_queue,
                std::function<void()> on_worker_start = {}, int workers = 1);
  ~BatchingQueue();
  BatchingQueue(const BatchingQueue&) = delete;
  BatchingQueue& operator=(const BatchingQueue&) = delete;

  // Queues `input`; the future is set once its batch ran. Status 503 at once
  // when the queue is full or stopping.
  std::future<QueuedResult> Submit(InferenceInput input);
  // Runs what is queued, then stops the workers. Later Submits get 503.
  void Stop();

  int64_t batches() const;
  int64_t utterances() const;

 private:
  struct Item {
    InferenceInput input;
    std::promise<QueuedResult> promise;
  };
  void Work(int worker);
  std::vector<Item> NextBatch();
  void Run(int worker, std::vector<Item>& batch);

  PredictFn predict_;
  const size_t max_batch_;
  const std::chrono::milliseconds max_wait_;
  const size_t max_queue_;
  std::function<void()> on_worker_start_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  std::deque<std::chrono::steady_clock::time_point> arrivals_;
  bool stopping_ = false;
  int64_t batches_ = 0, utterances_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace merhan
