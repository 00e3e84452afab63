#include "merhan/util/progress.h"

#include <unistd.h>

#include "merhan/util/logging.h"

namespace merhan {

ProgressBar::ProgressBar(std::string label, int64_t total, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      interactive_(out != nullptr && ::isatty(::fileno(out))),
      start_(std::chrono::steady_clock::now()),
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

void ProgressBar::Update(int64_t done) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_ || done <= last_done_) return;
  last_done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (interactive_) {
    // Redraw at most ~10 times a second.
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    Draw(done, false);
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * done / total_) : 10;
    if (decile == last_decile_) return;
    last_decile_ = decile;
    if (decile < 10) Draw(done, false);
  }
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  Draw(last_done_ < 0 ? 0 : last_done_, true);
}

void ProgressBar::Draw(int64_t done, bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  char tail[96];
  if (final_line) {
    std::snprintf(tail, sizeof tail, "%lld/%lld in %.1f s", static_cast<long long>(done),
                  static_cast<long long>(total_), elapsed);
  } else {
    std::snprintf(tail, sizeof tail, "%lld/%lld  %.0f/s  eta %.0f s", static_cast<long long>(done),
                  static_cast<long long>(total_), rate, eta);
  }
  if (interactive_) {
    const int width = 30;
    const int filled = static_cast<int>(fraction * width + 0.5);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), '.');
    std::fprintf(out_, "\r%s [%s] %3.0f%% %s\033[K%s", label_.c_str(), bar.c_str(), fraction * 100, tail,
                 final_line ? "\n" : "");
    std::fflush(out_);
  } else {
    log::Info(Cat(label_, ": ", static_cast<int>(fraction * 100 + 0.5), "% ", tail));
  }
}

}  // namespace merhan
