// libFuzzer harness: audio loading through libsndfile and libsoxr (audio/audio_loader.cc
// LoadAudio). The first byte picks the options (bit 0: resample to 8 kHz instead of
// 16 kHz; bits 1-2: channel -1, 0 or 1); the rest is written as a file and loaded. Any
// outcome but finite samples at the asked rate, or a DataError, is a bug. libsndfile
// and libsoxr are Debian's, not instrumented: this checks our side of them.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "merhan/audio/audio_loader.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  if (size == 0) return 0;
  fuzz::QuietLogs();
  const std::string path = fuzz::ScratchDir() + "/input.wav";
  fuzz::WriteFile(path, std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  AudioOptions options;
  options.sample_rate = (data[0] & 1) ? 8000 : 16000;
  options.channel = static_cast<int>((data[0] >> 1) % 3) - 1;
  try {
    const AudioSignal s = LoadAudio(path, options);
    if (s.sample_rate != options.sample_rate || s.samples.empty()) std::abort();
    for (float x : s.samples) {
      if (!std::isfinite(x)) std::abort();
    }
  } catch (const DataError&) {
  }
  return 0;
}
