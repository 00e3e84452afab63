// merhan_ffmpeg_plugin.so (include/merhan/audio/ffmpeg_plugin_abi.h): decodes the best
// audio stream of a container with FFmpeg's libraries to interleaved float at the
// stream's own rate and channel count; LoadAudio downmixes and resamples.
#include "merhan/audio/ffmpeg_plugin_abi.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// An error of the plugin's own, turned into a status and a message at its entry point.
struct PluginError : std::runtime_error {
  PluginError(int status, const std::string& what) : std::runtime_error(what), status(status) {}
  int status;
};
struct DataError : PluginError {
  explicit DataError(const std::string& what) : PluginError(MERHAN_FFMPEG_BAD_DATA, what) {}
};
struct NotOpened : PluginError {
  explicit NotOpened(const std::string& what) : PluginError(MERHAN_FFMPEG_NOT_OPENED, what) {}
};
struct InternalError : PluginError {
  explicit InternalError(const std::string& what) : PluginError(MERHAN_FFMPEG_INTERNAL, what) {}
};

struct FfmpegStreamInfo {
  int sample_rate = 0;
  int channels = 0;
  std::string container, codec;
  int64_t frames = 0;
};
using FfmpegFrameSink = std::function<void(const float*, int64_t, int)>;

constexpr int kMinSampleRate = 1000;  // the same bounds as libsndfile's path (audio_loader.cc)
constexpr int kMaxSampleRate = 768000;
constexpr int kMaxChannels = 64;

std::string AvError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

// FFmpeg logs to stderr by default; merhan reports through its own errors instead.
void QuietFfmpegLogs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct SwrCloser {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct PacketCloser {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameCloser {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};

// The open container, its audio stream and that stream's decoder.
struct OpenStream {
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  std::unique_ptr<AVCodecContext, CodecCloser> codec;
  int stream_index = -1;
  FfmpegStreamInfo info;
};

// Everything up to the open decoder is NotOpened: LoadAudio then reports both libraries'
// reasons ("cannot read audio").
OpenStream Open(const std::string& path) {
  QuietFfmpegLogs();
  OpenStream s;
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (rc < 0) throw NotOpened(path + ": FFmpeg cannot open it as an audio container (" + AvError(rc) + ")");
  s.format.reset(raw);
  rc = avformat_find_stream_info(raw, nullptr);
  if (rc < 0) throw NotOpened(path + ": FFmpeg cannot read its streams (" + AvError(rc) + ")");
  const AVCodec* decoder = nullptr;
  s.stream_index = av_find_best_stream(raw, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (s.stream_index == AVERROR_DECODER_NOT_FOUND) {
    throw NotOpened(path + ": its audio codec has no decoder in this FFmpeg build");
  }
  if (s.stream_index < 0) throw NotOpened(path + ": no audio stream (" + raw->iformat->name + " container)");
  const AVStream* stream = raw->streams[s.stream_index];
  s.codec.reset(avcodec_alloc_context3(decoder));
  if (!s.codec) throw InternalError("FFmpeg: out of memory allocating a decoder");
  rc = avcodec_parameters_to_context(s.codec.get(), stream->codecpar);
  if (rc >= 0) rc = avcodec_open2(s.codec.get(), decoder, nullptr);
  if (rc < 0) throw NotOpened(path + ": FFmpeg cannot open the " + decoder->name + " decoder (" + AvError(rc) + ")");
  AVCodecContext* c = s.codec.get();
  s.info.sample_rate = c->sample_rate;
  s.info.channels = c->ch_layout.nb_channels;
  s.info.container = raw->iformat->long_name ? raw->iformat->long_name : raw->iformat->name;
  s.info.codec = decoder->long_name ? decoder->long_name : decoder->name;
  if (s.info.channels < 1 || s.info.channels > kMaxChannels) {
    throw DataError(path + ": the audio stream declares " + std::to_string(s.info.channels) + " channels (expected 1-" +
                    std::to_string(kMaxChannels) + ")");
  }
  if (s.info.sample_rate < kMinSampleRate || s.info.sample_rate > kMaxSampleRate) {
    throw DataError(path + ": sample rate " + std::to_string(s.info.sample_rate) + " Hz is outside " +
                    std::to_string(kMinSampleRate) + "-" + std::to_string(kMaxSampleRate) + " Hz");
  }
  if (stream->duration > 0 && stream->time_base.den > 0) {
    s.info.frames = av_rescale_q(stream->duration, stream->time_base, AVRational{1, s.info.sample_rate});
  } else if (raw->duration > 0) {  // webm: only the container says
    s.info.frames = av_rescale_q(raw->duration, AVRational{1, AV_TIME_BASE}, AVRational{1, s.info.sample_rate});
  }
  return s;
}

// Converts each decoded frame to interleaved float at the stream's own rate and
// channel count (no resampling, no remixing: LoadAudio does both for every format).
class Converter {
 public:
  Converter(const std::string& path, const AVCodecContext* c) : path_(path), rate_(c->sample_rate) {
    if (c->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&layout_, c->ch_layout.nb_channels);
    } else if (av_channel_layout_copy(&layout_, &c->ch_layout) < 0) {
      throw InternalError("FFmpeg: out of memory copying a channel layout");
    }
  }
  ~Converter() { av_channel_layout_uninit(&layout_); }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  int64_t Push(const AVFrame* frame, const FfmpegFrameSink& sink) {
    if (frame->sample_rate != rate_ || frame->ch_layout.nb_channels != layout_.nb_channels) {
      throw DataError(path_ + ": the audio stream changes from " + std::to_string(layout_.nb_channels) +
                      " channels at " + std::to_string(rate_) + " Hz to " +
                      std::to_string(frame->ch_layout.nb_channels) + " at " + std::to_string(frame->sample_rate) +
                      " Hz mid-stream");
    }
    if (!swr_) Init(static_cast<AVSampleFormat>(frame->format));
    return Convert(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples, sink);
  }

  int64_t Flush(const FfmpegFrameSink& sink) { return swr_ ? Convert(nullptr, 0, sink) : 0; }

 private:
  void Init(AVSampleFormat in_format) {
    SwrContext* raw = nullptr;
    int rc = swr_alloc_set_opts2(&raw, &layout_, AV_SAMPLE_FMT_FLT, rate_, &layout_, in_format, rate_, 0, nullptr);
    swr_.reset(raw);
    if (rc >= 0) rc = swr_init(raw);
    if (rc < 0) throw DataError(path_ + ": FFmpeg cannot convert its samples to float (" + AvError(rc) + ")");
  }

  int64_t Convert(const uint8_t** in, int in_frames, const FfmpegFrameSink& sink) {
    const int room = swr_get_out_samples(swr_.get(), in_frames);
    if (room <= 0) return 0;
    buffer_.resize(static_cast<size_t>(room) * static_cast<size_t>(layout_.nb_channels));
    uint8_t* out = reinterpret_cast<uint8_t*>(buffer_.data());
    const int got = swr_convert(swr_.get(), &out, room, in, in_frames);
    if (got < 0) throw DataError(path_ + ": FFmpeg failed converting samples (" + AvError(got) + ")");
    if (got > 0) sink(buffer_.data(), got, layout_.nb_channels);
    return got;
  }

  std::string path_;
  int rate_;
  AVChannelLayout layout_{};
  std::unique_ptr<SwrContext, SwrCloser> swr_;
  std::vector<float> buffer_;
};

// Receives every frame the decoder has ready; returns the frames passed to the sink.
int64_t Drain(const std::string& path, AVCodecContext* codec, AVFrame* frame, Converter* converter,
              const FfmpegFrameSink& sink) {
  int64_t frames = 0;
  while (true) {
    const int rc = avcodec_receive_frame(codec, frame);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return frames;
    if (rc < 0) throw DataError(path + ": corrupt audio data (" + AvError(rc) + ")");
    frames += converter->Push(frame, sink);
    av_frame_unref(frame);
  }
}

FfmpegStreamInfo Decode(const std::string& path, const FfmpegFrameSink& sink,
                        const std::function<void(const FfmpegStreamInfo&)>& on_open) {
  OpenStream s = Open(path);
  if (on_open) on_open(s.info);
  std::unique_ptr<AVPacket, PacketCloser> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameCloser> frame(av_frame_alloc());
  if (!packet || !frame) throw InternalError("FFmpeg: out of memory allocating a packet");
  Converter converter(path, s.codec.get());
  int64_t frames = 0;
  while (true) {
    const int rc = av_read_frame(s.format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) throw DataError(path + ": FFmpeg failed reading the container (" + AvError(rc) + ")");
    if (packet->stream_index == s.stream_index) {
      const int sent = avcodec_send_packet(s.codec.get(), packet.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        throw DataError(path + ": corrupt audio packet at byte " + std::to_string(packet->pos) + " (" + AvError(sent) +
                        ")");
      }
      frames += Drain(path, s.codec.get(), frame.get(), &converter, sink);
    }
    av_packet_unref(packet.get());
  }
  avcodec_send_packet(s.codec.get(), nullptr);  // flush the decoder's delayed frames
  frames += Drain(path, s.codec.get(), frame.get(), &converter, sink);
  frames += converter.Flush(sink);
  if (frames <= 0) throw DataError(path + ": audio stream has zero samples");
  s.info.frames = frames;
  return s.info;
}

void Copy(const std::string& from, char* to, size_t size) {
  if (size == 0) return;
  const size_t n = std::min(from.size(), size - 1);
  std::memcpy(to, from.data(), n);
  to[n] = 0;
}

void Fill(const FfmpegStreamInfo& from, merhan_ffmpeg_info* to) {
  to->sample_rate = from.sample_rate;
  to->channels = from.channels;
  to->frames = from.frames;
  Copy(from.container, to->container, sizeof(to->container));
  Copy(from.codec, to->codec, sizeof(to->codec));
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int merhan_ffmpeg_decode(const char* path, int decode,
                                                                           merhan_ffmpeg_info* info, void* user,
                                                                           merhan_ffmpeg_open_cb on_open,
                                                                           merhan_ffmpeg_block_cb on_block, char* err,
                                                                           size_t err_len) {
  try {
    if (!decode) {
      Fill(Open(path).info, info);
      return MERHAN_FFMPEG_OK;
    }
    const FfmpegStreamInfo s = Decode(
        path, [&](const float* block, int64_t frames, int channels) { on_block(user, block, frames, channels); },
        [&](const FfmpegStreamInfo& header) {
          Fill(header, info);
          on_open(user, info);
        });
    Fill(s, info);
    return MERHAN_FFMPEG_OK;
  } catch (const PluginError& e) {  // the callbacks' exceptions are merhan's: they pass through
    Copy(e.what(), err, err_len);
    return e.status;
  } catch (const std::bad_alloc&) {
    Copy(std::string(path) + ": out of memory decoding", err, err_len);
    return MERHAN_FFMPEG_INTERNAL;
  }
}
