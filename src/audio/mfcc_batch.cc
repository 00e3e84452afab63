#include "merhan/audio/mfcc_batch.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <utility>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/mfcc.h"

namespace merhan {

void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& work) {
  if (count == 0) return;
  size_t n = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  n = std::min(n, count);
  std::vector<std::exception_ptr> errors(count);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < count;) {
      if (failed.load(std::memory_order_relaxed)) continue;  // drain quickly after an error
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
      }
    }
  };
  if (n == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(n);
    for (size_t t = 0; t < n; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

std::vector<MfccFeatures> ComputeMfccBatch(const std::vector<std::string>& paths, const AudioOptions& audio,
                                           const MfccOptions& options, int threads, PowerSpectrumFactory fft) {
  audio.Validate();
  CheckSampleRatesAgree(audio, options);
  const Mfcc mfcc(options, std::move(fft));  // shared: Compute is const and keeps its buffers local
  std::vector<MfccFeatures> out(paths.size());
  ParallelFor(paths.size(), threads, [&](size_t i) {
    const AudioSignal signal = LoadAudio(paths[i], audio);
    MfccFeatures& f = out[i];
    f.values = mfcc.Compute(signal.samples.data(), signal.samples.size(), &f.num_frames);
    f.num_coefficients = mfcc.num_coefficients();
    f.duration_seconds = signal.duration_seconds();
  });
  return out;
}

}  // namespace merhan
