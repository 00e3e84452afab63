// An audio file's header without decoding its samples: what `merhan corpus` and the
// release readers check before any feature is computed (durations, rates, channels,
// unreadable or missing media). libsndfile's header when it opens the file, else
// FFmpeg's (audio/ffmpeg_decoder.h), the same order LoadAudio reads them in.
#pragma once

#include <cstdint>
#include <string>

namespace merhan {

struct AudioHeader {
  int sample_rate = 0;
  int channels = 0;
  int64_t frames = 0;  // per channel, as the header declares (0: not declared)
  std::string format;  // container (libsndfile's or FFmpeg's name)
  double seconds() const { return sample_rate > 0 ? static_cast<double>(frames) / sample_rate : 0.0; }
};

// Throws DataError naming `path` when it is missing, a folder, or neither library can
// open it ("cannot read audio (libsndfile: ...; FFmpeg: ...)").
AudioHeader ProbeAudio(const std::string& path);

}  // namespace merhan
