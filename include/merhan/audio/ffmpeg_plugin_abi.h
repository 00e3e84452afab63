// The C interface of merhan_ffmpeg_plugin.so, the shared object that holds FFmpeg's
// libraries (libavformat, libavcodec, libswresample, libavutil). merhan opens it with
// dlopen only when libsndfile cannot read a file (audio/ffmpeg_decoder.h), so that the
// program itself does not load FFmpeg and its ~120 dependent libraries, and the GPU
// bundle (scripts/gpu_bundle.sh, docs/design.md T9) stays small: without the plugin,
// containers are a DataError naming the file, everything else works.
// The plugin is C++ built with exceptions: a callback may throw, and the exception
// unwinds through the plugin, which frees what it holds on the way (RAII).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

struct merhan_ffmpeg_info {
  int sample_rate;
  int channels;
  int64_t frames;       // declared (probe) or decoded (decode) frames per channel
  char container[128];  // libavformat's long name
  char codec[128];      // libavcodec's long name
};

// Called once the audio stream is open, before the first block.
typedef void (*merhan_ffmpeg_open_cb)(void* user, const merhan_ffmpeg_info* info);
// Called per decoded block: `frames` frames of `channels` interleaved floats.
typedef void (*merhan_ffmpeg_block_cb)(void* user, const float* interleaved, int64_t frames, int channels);

enum merhan_ffmpeg_status {
  MERHAN_FFMPEG_OK = 0,
  MERHAN_FFMPEG_NOT_OPENED = 1,  // not an audio container FFmpeg can open (err says why)
  MERHAN_FFMPEG_BAD_DATA = 2,    // opened, then corrupt or unusable (err says why)
  MERHAN_FFMPEG_INTERNAL = 3,    // out of memory
};

// Opens `path`'s best audio stream; with `decode` non-zero decodes it to the end through
// `on_block`. Fills `info`. Returns a merhan_ffmpeg_status; messages (prefixed with the
// path) go to err.
typedef int (*merhan_ffmpeg_decode_fn)(const char* path, int decode, merhan_ffmpeg_info* info, void* user,
                                       merhan_ffmpeg_open_cb on_open, merhan_ffmpeg_block_cb on_block, char* err,
                                       size_t err_len);
}
