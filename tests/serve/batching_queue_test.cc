// The batching queue with a stand-in model: batch sizes bounded by max_batch,
// concurrent submissions batched together, results back to their own callers,
// one bad utterance failing only its own request, Stop() draining the queue,
// several workers running batches at the same time.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "merhan/serve/batching_queue.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

using std::chrono::milliseconds;

// Echoes each input's id and records the batch sizes; an id "bad" fails the batch.
struct FakeModel {
  std::mutex mutex;
  std::vector<size_t> batch_sizes;
  std::vector<nlohmann::json> operator()(const std::vector<InferenceInput>& inputs) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      batch_sizes.push_back(inputs.size());
    }
    std::vector<nlohmann::json> out;
    for (const auto& in : inputs) {
      if (in.id == "bad") throw DataError("bad: cannot read");
      if (in.id == "bug") throw std::runtime_error("bug");
      out.push_back({{"id", in.id}, {"text", in.text}});
    }
    return out;
  }
};

BatchingQueue::PredictFn Use(FakeModel& model) {
  return [&model](int, const std::vector<InferenceInput>& in) { return model(in); };
}

TEST(BatchingQueue, ConcurrentRequestsShareBatchesOfAtMostMaxBatch) {
  FakeModel model;
  std::vector<std::future<QueuedResult>> futures;
  {
    // A long wait: the 10 submissions below arrive well within it, so batches fill up.
    BatchingQueue queue(Use(model), 4, milliseconds(2000), 100);
    for (int i = 0; i < 10; ++i) futures.push_back(queue.Submit({"u" + std::to_string(i), "", "t"}));
    for (int i = 0; i < 10; ++i) {
      const QueuedResult r = futures[i].get();
      EXPECT_EQ(r.status, 200);
      EXPECT_EQ(r.body["id"], "u" + std::to_string(i));
    }
    EXPECT_EQ(queue.utterances(), 10);
  }
  size_t total = 0;
  for (size_t n : model.batch_sizes) {
    EXPECT_LE(n, 4u);
    total += n;
  }
  EXPECT_EQ(total, 10u);
  EXPECT_EQ(model.batch_sizes.front(), 4u) << "the first batch waited for max_batch utterances";
}

TEST(BatchingQueue, ALoneRequestWaitsAtMostMaxWait) {
  FakeModel model;
  BatchingQueue queue(Use(model), 64, milliseconds(30), 100);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(queue.Submit({"a", "", "t"}).get().status, 200);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, milliseconds(30));
  EXPECT_LT(waited, milliseconds(1500));
}

TEST(BatchingQueue, ABadUtteranceFailsOnlyItsOwnRequest) {
  FakeModel model;
  BatchingQueue queue(Use(model), 3, milliseconds(2000), 100);
  auto good1 = queue.Submit({"g1", "", "t"});
  auto bad = queue.Submit({"bad", "", "t"});
  auto good2 = queue.Submit({"g2", "", "t"});
  EXPECT_EQ(good1.get().status, 200);
  const QueuedResult b = bad.get();
  EXPECT_EQ(b.status, 422);
  EXPECT_NE(b.body["error"].get<std::string>().find("cannot read"), std::string::npos);
  EXPECT_EQ(good2.get().body["id"], "g2");
  EXPECT_EQ(queue.Submit({"bug", "", "t"}).get().status, 500);
  EXPECT_EQ(queue.Submit({"after", "", "t"}).get().status, 200) << "the worker survives a failure";
}

TEST(BatchingQueue, StopRunsWhatIsQueuedThenRefuses) {
  FakeModel model;
  BatchingQueue queue(Use(model), 100, milliseconds(60000), 100);
  std::vector<std::future<QueuedResult>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(queue.Submit({"u" + std::to_string(i), "", "t"}));
  queue.Stop();  // does not wait the minute out
  for (auto& f : futures) EXPECT_EQ(f.get().status, 200);
  EXPECT_EQ(queue.Submit({"late", "", "t"}).get().status, 503);
}

TEST(BatchingQueue, AFullQueueAnswers503) {
  std::atomic<bool> release{false};
  BatchingQueue queue(
      [&](int, const std::vector<InferenceInput>& in) {
        while (!release) std::this_thread::sleep_for(milliseconds(1));
        return std::vector<nlohmann::json>(in.size(), nlohmann::json::object());
      },
      1, milliseconds(0), 2);
  auto first = queue.Submit({"a", "", "t"});  // taken by the worker, which blocks
  while (queue.batches() == 0) std::this_thread::sleep_for(milliseconds(1));
  auto q1 = queue.Submit({"b", "", "t"});
  auto q2 = queue.Submit({"c", "", "t"});
  EXPECT_EQ(queue.Submit({"d", "", "t"}).get().status, 503);
  release = true;
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(q1.get().status, 200);
  EXPECT_EQ(q2.get().status, 200);
}

TEST(BatchingQueue, WorkersRunBatchesAtTheSameTime) {
  // Each batch waits until both workers hold one: with one worker at a time the
  // first batch would wait forever (bounded here by the 10 s give-up).
  std::mutex mutex;
  std::condition_variable both;
  std::set<int> running;
  std::vector<size_t> sizes;
  BatchingQueue queue(
      [&](int worker, const std::vector<InferenceInput>& in) {
        std::unique_lock<std::mutex> lock(mutex);
        running.insert(worker);
        sizes.push_back(in.size());
        both.notify_all();
        const bool met = both.wait_for(lock, std::chrono::seconds(10), [&] { return running.size() == 2; });
        std::vector<nlohmann::json> out;
        for (const auto& x : in) out.push_back({{"id", x.id}, {"met", met}});
        return out;
      },
      3, milliseconds(0), 100, {}, 2);
  std::vector<std::future<QueuedResult>> futures;
  for (int i = 0; i < 6; ++i) futures.push_back(queue.Submit({"u" + std::to_string(i), "", "t"}));
  for (int i = 0; i < 6; ++i) {
    const QueuedResult r = futures[i].get();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body["id"], "u" + std::to_string(i)) << "each answer goes back to its own caller";
    EXPECT_TRUE(r.body["met"].get<bool>()) << "batch of u" << i << " never ran beside another";
  }
  EXPECT_EQ(running, (std::set<int>{0, 1}));
  for (size_t n : sizes) EXPECT_LE(n, 3u);
}

}  // namespace
}  // namespace merhan
