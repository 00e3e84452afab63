// libFuzzer harness: audio in containers through FFmpeg's libraries
// (audio/ffmpeg_decoder.cc DecodeWithFfmpeg), the path LoadAudio takes for files
// libsndfile cannot open (mp4, m4a, mp3, webm, ...). The input is written as a file and
// decoded to the end. Any outcome but blocks of the announced channel count at the
// announced rate, counted as the returned frames, or a DataError, is a bug. FFmpeg
// is Debian's, not instrumented: this checks our side of it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "merhan/audio/ffmpeg_decoder.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  fuzz::QuietLogs();
  const std::string path = fuzz::ScratchDir() + "/input.bin";
  fuzz::WriteFile(path, std::string(reinterpret_cast<const char*>(data), size));
  try {
    int announced = 0;
    int64_t frames = 0;
    const FfmpegStreamInfo info = DecodeWithFfmpeg(
        path,
        [&](const float* block, int64_t n, int channels) {
          if (!block || n <= 0 || channels != announced) std::abort();
          frames += n;
        },
        [&](const FfmpegStreamInfo& header) {
          if (header.channels < 1 || header.sample_rate < 1000 || header.sample_rate > 768000) std::abort();
          announced = header.channels;
        });
    if (info.frames != frames || frames <= 0) std::abort();
  } catch (const DataError&) {
  }
  return 0;
}
