#include "merhan/util/progress.h"

#include <unistd.h>

#include <algorithm>

#include "merhan/util/logging.h"

namespace merhan {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, ProgressOptions options)
    : label_(std::move(label)),
      total_(total),
      options_(options),
      interactive_(options.out != nullptr && ::isatty(::fileno(options.out))),
      start_(Clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  try {
    Finish();
  } catch (...) {
  }
}

ProgressCallback ProgressBar::Callback() {
  return [this](int64_t done, int64_t) { Update(done); };
}

double ProgressBar::elapsed_seconds() const { return Seconds(Clock::now() - start_); }

std::string ProgressBar::FormatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%02ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

void ProgressBar::Tick(const std::string& status) {
  int64_t next = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    next = last_done_ + 1;
  }
  Update(next, status);
}

// "4/10 00:02 ETA 00:03 loss 0.69"
std::string ProgressBar::Tail(int64_t done, const std::string& status) const {
  const double elapsed = elapsed_seconds();
  std::string tail = std::to_string(done);
  if (total_ > 0) tail += "/" + std::to_string(total_);
  tail += " " + FormatDuration(elapsed);
  if (total_ > 0 && done > 0) tail += " ETA " + FormatDuration(elapsed / done * (total_ - done));
  if (!status.empty()) tail += "  " + status;
  return tail;
}

void ProgressBar::DrawBar(int64_t done, const std::string& status, const char* end) {
  constexpr int kWidth = 28;
  std::string bar;
  if (total_ > 0) {
    const int filled = static_cast<int>(kWidth * std::min(done, total_) / total_);
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  std::fprintf(options_.out, "\r%s %s%s\033[K%s", label_.c_str(), bar.c_str(), Tail(done, status).c_str(), end);
  std::fflush(options_.out);
}

bool ProgressBar::DueForLog(int64_t done) {
  if (options_.lines == ProgressOptions::Lines::kNone) return false;
  if (options_.lines == ProgressOptions::Lines::kEvery) {
    if (options_.log_every <= 0) return false;
    if (done - last_logged_step_ < options_.log_every) return false;
    last_logged_step_ = done - done % options_.log_every;
    return true;
  }
  const int tenth = total_ > 0 ? static_cast<int>(10 * done / total_) : 0;
  if (tenth == last_tenth_ || tenth >= 10) return false;
  last_tenth_ = tenth;
  return true;
}

void ProgressBar::Update(int64_t done, const std::string& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_ || done <= last_done_) return;
  last_done_ = done;
  if (interactive_) {
    // Redraw at most ~10 times a second, and always on the last step.
    const auto now = Clock::now();
    if (done != total_ && Seconds(now - last_draw_) < 0.1) return;
    last_draw_ = now;
    DrawBar(done, status, "");
  } else if (DueForLog(done)) {
    log::Info(label_ + ": " + Tail(done, status));
  }
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  FinishLocked();
}

void ProgressBar::FinishLocked() {
  if (finished_) return;
  finished_ = true;
  if (options_.close == ProgressOptions::Close::kClear) {
    if (interactive_ && last_done_ > 0) {
      std::fputs("\r\033[K", options_.out);
      std::fflush(options_.out);
    }
    return;
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, "%lld/%lld in %.1f s", static_cast<long long>(last_done_),
                static_cast<long long>(total_), elapsed_seconds());
  if (interactive_) {
    std::fprintf(options_.out, "\r%s: %s\033[K\n", label_.c_str(), tail);
    std::fflush(options_.out);
  } else {
    log::Info(label_ + ": " + tail);
  }
}

}  // namespace merhan
