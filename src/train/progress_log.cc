#include "merhan/train/progress_log.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "merhan/util/logging.h"

namespace merhan {

bool ProgressLog::StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string ProgressLog::FormatDuration(double seconds) {
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

ProgressLog::ProgressLog(std::string label, int64_t total, int log_every)
    : label_(std::move(label)), total_(total), log_every_(log_every), terminal_(StderrIsTerminal()) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

ProgressLog::~ProgressLog() { Finish(); }

double ProgressLog::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLog::Tick(const std::string& status) {
  ++done_;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = done_ > 0 && total_ > 0 ? elapsed / done_ * (total_ - done_) : -1;
  if (terminal_) {
    // Redraw at most ~10 times a second and always on the last step.
    if (done_ != total_ && std::chrono::duration<double>(now - last_draw_).count() < 0.1) return;
    last_draw_ = now;
    constexpr int kWidth = 28;
    std::string bar;
    if (total_ > 0) {
      const int filled = static_cast<int>(kWidth * std::min<int64_t>(done_, total_) / total_);
      bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
    }
    std::ostringstream line;
    line << "\r" << label_ << " " << bar << done_;
    if (total_ > 0) line << "/" << total_;
    line << " " << FormatDuration(elapsed);
    if (eta >= 0) line << " ETA " << FormatDuration(eta);
    if (!status.empty()) line << "  " << status;
    line << "\x1b[K";  // clear to end of line
    std::fputs(line.str().c_str(), stderr);
    std::fflush(stderr);
    return;
  }
  if (log_every_ > 0 && (done_ % log_every_ == 0)) {
    std::ostringstream line;
    line << label_ << " " << done_;
    if (total_ > 0) line << "/" << total_;
    line << " elapsed " << FormatDuration(elapsed);
    if (eta >= 0) line << " ETA " << FormatDuration(eta);
    if (!status.empty()) line << " " << status;
    log::Info(line.str());
  }
}

void ProgressLog::Finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_ && done_ > 0) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
  }
}

}  // namespace merhan
