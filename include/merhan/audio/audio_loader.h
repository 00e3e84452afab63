// Reading audio files (libsndfile, else FFmpeg) into mono float samples at a target rate (libsoxr).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "merhan/audio/audio_options.h"

namespace merhan {

struct AudioSignal {
  std::vector<float> samples;  // mono, at sample_rate, full scale = +-1
  int sample_rate = 0;         // = AudioOptions::sample_rate

  // What the file held before downmixing and resampling.
  int original_sample_rate = 0;
  int original_channels = 0;
  int64_t original_frames = 0;  // samples per channel
  std::string format;   // container, e.g. "WAV (Microsoft)", "FLAC (Free Lossless Audio Codec)", "QuickTime / MOV"
  std::string subtype;  // sample format, e.g. "Signed 24 bit PCM", "32 bit float"; FFmpeg: the codec

  double duration_seconds() const { return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0.0; }
};

// Reads any file libsndfile can read (WAV, FLAC, AIFF, OGG, ... in any sample
// format), and any other container FFmpeg can decode (mp4, m4a, mp3, webm, ...;
// audio/ffmpeg_decoder.h), downmixes to mono (mean of channels, or options.channel), and resamples
// to options.sample_rate with libsoxr when the rates differ.
// Throws DataError naming `path` when the file is missing, unreadable by both
// libraries ("cannot read audio (libsndfile: ...; FFmpeg: ...)"), corrupt or
// truncated, has zero samples, lacks the requested channel, holds NaN/Inf, or
// declares a sample rate outside 1 kHz-768 kHz.
AudioSignal LoadAudio(const std::string& path, const AudioOptions& options);

// libsoxr one-shot resampling of a mono float signal, flushed to the end (the
// output has about n * out_rate / in_rate samples). `quality`: qq|lq|mq|hq|vhq.
// Throws InternalError if libsoxr fails.
std::vector<float> Resample(const float* samples, size_t n, double in_rate, double out_rate,
                            const std::string& quality = "hq");

}  // namespace merhan
