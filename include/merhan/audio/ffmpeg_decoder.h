// Decoding audio in containers libsndfile cannot read (mp4, m4a, mp3, ogg, webm, ...:
// MELD ships mp4 with AAC audio) through FFmpeg's libraries: libavformat demuxes,
// libavcodec decodes the best audio stream, libswresample converts its samples to
// interleaved float at the stream's own rate and channel count. Downmixing and
// resampling are LoadAudio's (audio/audio_loader.h), the same as for wav and flac.
// FFmpeg lives in merhan_ffmpeg_plugin.so, opened on first use (audio/ffmpeg_plugin_abi.h;
// MERHAN_FFMPEG_PLUGIN names it, else it is looked for beside the program and in the
// build directory); without it every call is a DataError naming the file and saying so.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace merhan {

// What the container holds, as FFmpeg reports it.
struct FfmpegStreamInfo {
  int sample_rate = 0;
  int channels = 0;
  std::string container;  // libavformat's long name, e.g. "QuickTime / MOV"
  std::string codec;      // libavcodec's long name, e.g. "AAC (Advanced Audio Coding)"
  int64_t frames = 0;     // samples per channel decoded
};

// Receives decoded audio block by block: `frames` frames of `channels` interleaved
// float samples (full scale +-1), in stream order.
using FfmpegFrameSink = std::function<void(const float* interleaved, int64_t frames, int channels)>;

// Decodes the best audio stream of `path` to the end. `on_open` (may be empty) sees the
// stream's rate and channels before the first block. Throws DataError naming `path`
// when the file cannot be opened or probed, holds no audio stream, has no decoder
// here, declares a sample rate outside 1 kHz-768 kHz or no channels, changes its rate
// or channel count mid-stream, holds corrupt packets, or decodes to zero samples.
FfmpegStreamInfo DecodeWithFfmpeg(const std::string& path, const FfmpegFrameSink& sink,
                                  const std::function<void(const FfmpegStreamInfo&)>& on_open = {});

// Opens the container and its audio stream's decoder without decoding: rate, channels,
// container and codec names, and the duration the container declares (frames, 0 when
// it declares none). Throws DataError as DecodeWithFfmpeg does.
FfmpegStreamInfo ProbeWithFfmpeg(const std::string& path);

}  // namespace merhan
