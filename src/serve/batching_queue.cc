#include "merhan/serve/batching_queue.h"

#include <algorithm>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

namespace {

QueuedResult ErrorResult(int status, const std::string& reason) { return {status, {{"error", reason}}}; }

// DataError: the utterance itself is bad (422); anything else is ours (500).
QueuedResult FromException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const DataError& e) {
    return ErrorResult(422, e.what());
  } catch (const std::exception& e) {
    log::Error(std::string("inference failed: ") + e.what());
    return ErrorResult(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace

BatchingQueue::BatchingQueue(PredictFn predict, int max_batch, std::chrono::milliseconds max_wait, int max_queue,
                             std::function<void()> on_worker_start, int workers)
    : predict_(std::move(predict)),
      max_batch_(static_cast<size_t>(std::max(1, max_batch))),
      max_wait_(max_wait),
      max_queue_(static_cast<size_t>(std::max(1, max_queue))),
      on_worker_start_(std::move(on_worker_start)) {
  for (int w = 0; w < std::max(1, workers); ++w) workers_.emplace_back([this, w] { Work(w); });
}

BatchingQueue::~BatchingQueue() { Stop(); }

std::future<QueuedResult> BatchingQueue::Submit(InferenceInput input) {
  Item item{std::move(input), {}};
  std::future<QueuedResult> future = item.promise.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      item.promise.set_value(ErrorResult(503, "the server is shutting down"));
      return future;
    }
    if (queue_.size() >= max_queue_) {
      item.promise.set_value(ErrorResult(503, Cat("the server is busy (", queue_.size(), " utterances queued)")));
      return future;
    }
    queue_.push_back(std::move(item));
    arrivals_.push_back(std::chrono::steady_clock::now());
  }
  wake_.notify_one();
  return future;
}

void BatchingQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

int64_t BatchingQueue::batches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return batches_;
}

int64_t BatchingQueue::utterances() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return utterances_;
}

void BatchingQueue::Work(int worker) {
  if (on_worker_start_) on_worker_start_();
  for (;;) {
    std::vector<Item> batch = NextBatch();
    if (batch.empty()) return;  // stopping and drained
    Run(worker, batch);
  }
}

// Waits for a first utterance, then until max_batch are queued or the first has
// waited max_wait (or the queue is stopping: what is queued runs at once). Empty
// only when stopping and drained: while one worker waited, another may have
// taken what was queued, and then it waits again.
std::vector<BatchingQueue::Item> BatchingQueue::NextBatch() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return {};
    const auto deadline = arrivals_.front() + max_wait_;
    wake_.wait_until(lock, deadline, [this] { return stopping_ || queue_.size() >= max_batch_; });
    if (!queue_.empty()) break;
  }
  std::vector<Item> batch;
  while (!queue_.empty() && batch.size() < max_batch_) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
    arrivals_.pop_front();
  }
  ++batches_;
  utterances_ += static_cast<int64_t>(batch.size());
  if (!queue_.empty()) wake_.notify_one();  // the rest is another worker's
  return batch;
}

// One model call for the batch; when it fails, each utterance alone, so that
// one bad utterance fails only its own request.
void BatchingQueue::Run(int worker, std::vector<Item>& batch) {
  std::vector<InferenceInput> inputs;
  for (const auto& item : batch) inputs.push_back(item.input);
  try {
    std::vector<nlohmann::json> out = predict_(worker, inputs);
    if (out.size() != batch.size()) throw InternalError("the model answered a different number of utterances");
    for (size_t i = 0; i < batch.size(); ++i) batch[i].promise.set_value({200, std::move(out[i])});
    return;
  } catch (...) {
    if (batch.size() == 1) {
      batch[0].promise.set_value(FromException(std::current_exception()));
      return;
    }
  }
  for (auto& item : batch) {
    try {
      item.promise.set_value({200, predict_(worker, {item.input}).at(0)});
    } catch (...) {
      item.promise.set_value(FromException(std::current_exception()));
    }
  }
}

}  // namespace merhan
