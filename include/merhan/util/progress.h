// Progress reporting for long loops (feature extraction): a redrawn bar on a
// terminal, periodic log lines otherwise (CI logs, pipes). Thread-safe.
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

class ProgressBar {
 public:
  // `out` defaults to stderr; the bar is drawn only when it is a terminal.
  ProgressBar(std::string label, int64_t total, std::FILE* out = stderr);
  ~ProgressBar();
  void Update(int64_t done);
  // Final line with the elapsed time; called by the destructor if not before.
  void Finish();
  ProgressCallback Callback();
  bool interactive() const { return interactive_; }

 private:
  void Draw(int64_t done, bool final_line);

  std::string label_;
  int64_t total_;
  std::FILE* out_;
  bool interactive_;
  bool finished_ = false;
  int64_t last_done_ = -1;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mutex_;
};

}  // namespace merhan
