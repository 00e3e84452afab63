// Progress of a long loop: a redrawn bar with rate and ETA on a terminal
// (stderr is a TTY), plain log lines every `log_every` steps otherwise, so that
// log files stay readable. (Kept in train/ so it does not clash with a general
// util/progress.h.)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace merhan {

class ProgressLog {
 public:
  // total <= 0: unknown length (no ETA). log_every <= 0: no intermediate lines
  // when not on a terminal.
  ProgressLog(std::string label, int64_t total, int log_every);
  ~ProgressLog();
  // One step done; `status` (e.g. "loss 0.693") is shown with it.
  void Tick(const std::string& status = "");
  // Clears the bar (on a terminal) so the next log line starts clean.
  void Finish();
  double elapsed_seconds() const;

  static bool StderrIsTerminal();
  // "1:02:03" / "02:03".
  static std::string FormatDuration(double seconds);

 private:
  std::string label_;
  int64_t total_;
  int log_every_;
  int64_t done_ = 0;
  bool terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace merhan
