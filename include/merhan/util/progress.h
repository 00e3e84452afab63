// Progress of a long loop (feature extraction, a training epoch): a redrawn bar
// with rate and ETA on a terminal, plain log lines otherwise (CI logs, pipes),
// so that log files stay readable. Thread-safe: workers may report at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace merhan {

// (done, total): called from worker threads.
using ProgressCallback = std::function<void(int64_t done, int64_t total)>;

struct ProgressOptions {
  // Off a terminal, when to write a log line.
  enum class Lines { kEachTenth, kEvery, kNone };
  Lines lines = Lines::kEachTenth;
  int log_every = 0;  // steps between lines, for Lines::kEvery
  // What Finish leaves: a closing line with the elapsed time (kSummary), or
  // nothing, the bar cleared so the caller's own line follows (kClear).
  enum class Close { kSummary, kClear };
  Close close = Close::kSummary;
  std::FILE* out = stderr;  // the bar is drawn only when this is a terminal
};

class ProgressBar {
 public:
  // total <= 0: unknown length (no percentage, no ETA).
  ProgressBar(std::string label, int64_t total, ProgressOptions options = {});
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` steps finished (ignored when not above the last report); `status`
  // (e.g. "loss 0.693") is shown with it.
  void Update(int64_t done, const std::string& status = "");
  // One more step finished.
  void Tick(const std::string& status = "");
  // Called by the destructor if not before.
  void Finish();
  ProgressCallback Callback();
  bool interactive() const { return interactive_; }
  double elapsed_seconds() const;

  // "1:02:03" / "02:03"; "--:--" when unknown.
  static std::string FormatDuration(double seconds);

 private:
  bool DueForLog(int64_t done);
  std::string Tail(int64_t done, const std::string& status) const;
  void DrawBar(int64_t done, const std::string& status, const char* end);
  void FinishLocked();

  std::string label_;
  int64_t total_;
  ProgressOptions options_;
  bool interactive_;
  bool finished_ = false;
  int64_t last_done_ = 0;
  int64_t last_logged_step_ = 0;
  int last_tenth_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  mutable std::mutex mutex_;
};

}  // namespace merhan
