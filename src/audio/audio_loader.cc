#include "merhan/audio/audio_loader.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>

#include "merhan/audio/ffmpeg_decoder.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

constexpr int kMinSampleRate = 1000;
constexpr int kMaxSampleRate = 768000;

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

std::string FormatName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) == 0 && info.name) return info.name;
  return "format 0x" + std::to_string(format);
}

// libsndfile silently shortens a WAV/AIFF whose data chunk claims more bytes than
// the file holds, and only says so in its log ("data : 130228 (should be 65092)").
// A claim of 0 or ~4 GiB is the mark of a streaming writer that never went back to
// fill in the size, not of lost data, so only a finite, larger claim is truncation.
bool DataChunkTruncated(SNDFILE* file, std::string* detail) {
  char log[8192] = {0};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof(log));
  static const std::regex kDataLine(R"((?:^|\n)\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\))");
  std::cmatch m;
  if (!std::regex_search(log, m, kDataLine)) return false;
  const unsigned long long declared = std::strtoull(m[1].str().c_str(), nullptr, 10);
  const unsigned long long present = std::strtoull(m[2].str().c_str(), nullptr, 10);
  if (declared == 0 || declared >= 0xFFFFFF00ull || declared <= present) return false;
  *detail = "the data chunk declares " + std::to_string(declared) + " bytes but only " + std::to_string(present) +
            " are present";
  return true;
}

unsigned long SoxrRecipe(const std::string& quality) {
  if (quality == "qq") return SOXR_QQ;
  if (quality == "lq") return SOXR_LQ;
  if (quality == "mq") return SOXR_MQ;
  if (quality == "hq") return SOXR_HQ;
  if (quality == "vhq") return SOXR_VHQ;
  throw UsageError("audio.resample_quality: expected qq, lq, mq, hq or vhq, got \"" + quality + "\"");
}

// The message for samples too large for float arithmetic: "<what> overflows float at sample N ...".
std::string Overflow(const std::string& what, size_t at) {
  return what + " overflows float at sample " + std::to_string(at) +
         " (amplitudes near 3.4e38; audio samples are expected within [-1, 1])";
}

}  // namespace

std::vector<float> Resample(const float* samples, size_t n, double in_rate, double out_rate,
                            const std::string& quality) {
  if (n == 0) return {};
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SoxrRecipe(quality), 0);
  // Room for the whole flushed output; odone says how much soxr produced.
  std::vector<float> out(static_cast<size_t>(std::ceil(n * out_rate / in_rate)) + 64);
  size_t idone = 0, odone = 0;
  soxr_error_t err =
      soxr_oneshot(in_rate, out_rate, 1, samples, n, &idone, out.data(), out.size(), &odone, &io, &q, nullptr);
  if (err) throw InternalError(std::string("libsoxr: ") + err);
  out.resize(odone);
  return out;
}

namespace {

// Downmixes interleaved blocks to mono as they arrive (mean of the channels, or
// options.channel), so that a long multichannel file never sits in memory interleaved.
class MonoDownmix {
 public:
  MonoDownmix(const std::string& path, int channel) : path_(path), channel_(channel) {}

  void Add(const float* block, int64_t frames, int channels) {
    for (int64_t i = 0; i < frames; ++i) {
      const float* frame = block + i * channels;
      float sum = 0.0f;
      for (int c = 0; c < channels; ++c) {
        if (!std::isfinite(frame[c])) {
          throw DataError(path_ + ": non-finite sample (NaN or Inf) at frame " +
                          std::to_string(static_cast<int64_t>(mono.size())) + ", channel " + std::to_string(c));
        }
        sum += frame[c];
      }
      const float v = channel_ >= 0 ? frame[channel_] : channels == 1 ? frame[0] : sum / static_cast<float>(channels);
      // Finite samples near float's limit can still overflow the sum.
      if (!std::isfinite(v)) throw DataError(path_ + ": " + Overflow("the downmix", mono.size()));
      mono.push_back(v);
    }
  }

  std::vector<float> mono;

 private:
  std::string path_;
  int channel_;
};

void CheckChannel(const std::string& path, const AudioOptions& options, int channels) {
  if (options.channel >= channels) {
    throw DataError(path + ": audio.channel=" + std::to_string(options.channel) + " but the file has " +
                    std::to_string(channels) + " channel(s)");
  }
}

// libsndfile's read of an open file into signal's header fields and mono samples.
std::vector<float> ReadSndfile(const std::string& path, SNDFILE* file, const SF_INFO& info, const AudioOptions& options,
                               AudioSignal* signal) {
  signal->original_sample_rate = info.samplerate;
  signal->original_channels = info.channels;
  signal->format = FormatName(info.format & SF_FORMAT_TYPEMASK);
  signal->subtype = FormatName(info.format & SF_FORMAT_SUBMASK);
  if (info.channels < 1 || info.samplerate < 1) {
    throw DataError(path + ": invalid header (" + std::to_string(info.channels) + " channels, " +
                    std::to_string(info.samplerate) + " Hz)");
  }
  // A header's rate far outside audio's (1 Hz) would make the resampler's output,
  // sized by the ratio, exhaust memory (found by fuzz/audio_fuzzer.cc).
  if (info.samplerate < kMinSampleRate || info.samplerate > kMaxSampleRate) {
    throw DataError(path + ": sample rate " + std::to_string(info.samplerate) + " Hz is outside " +
                    std::to_string(kMinSampleRate) + "-" + std::to_string(kMaxSampleRate) + " Hz");
  }
  std::string detail;
  if (DataChunkTruncated(file, &detail)) throw DataError(path + ": truncated audio file: " + detail);
  if (info.frames <= 0) throw DataError(path + ": audio file has zero samples");
  CheckChannel(path, options, info.channels);
  const int channels = info.channels;
  MonoDownmix downmix(path, options.channel);
  // The header's frame count is a claim, not a promise: reserve a bounded amount and
  // let the vector grow with what is really read (a claim of 2^40 frames must not
  // allocate before the read finds out).
  downmix.mono.reserve(static_cast<size_t>(std::min<sf_count_t>(info.frames, sf_count_t{1} << 22)));
  // A block of at most 2^16 samples, whatever the channel count (2^16 frames of a
  // 1024-channel header would be 256 MiB), and not much larger than the file claims to
  // be (a header that claims too few frames still has every frame read, block by block).
  constexpr sf_count_t kBlockSamples = 1 << 16;
  const sf_count_t block_frames =
      std::max<sf_count_t>(1, std::min(kBlockSamples / channels, std::max<sf_count_t>(info.frames, 4096)));
  std::vector<float> block(static_cast<size_t>(block_frames * channels));
  while (true) {
    const sf_count_t got = sf_readf_float(file, block.data(), block_frames);
    if (got <= 0) break;
    downmix.Add(block.data(), got, channels);
  }
  if (sf_error(file) != SF_ERR_NO_ERROR) {
    throw DataError(path + ": corrupt audio data after frame " + std::to_string(downmix.mono.size()) + " (" +
                    sf_strerror(file) + ")");
  }
  if (static_cast<sf_count_t>(downmix.mono.size()) < info.frames) {
    throw DataError(path + ": truncated audio file: the header declares " + std::to_string(info.frames) +
                    " frames but only " + std::to_string(downmix.mono.size()) + " could be read");
  }
  return std::move(downmix.mono);
}

// FFmpeg's read of a file libsndfile could not open (audio/ffmpeg_decoder.h). A file
// FFmpeg cannot open either is "cannot read audio" with both libraries' reasons.
std::vector<float> ReadFfmpeg(const std::string& path, const std::string& sndfile_error, const AudioOptions& options,
                              AudioSignal* signal) {
  MonoDownmix downmix(path, options.channel);
  bool opened = false;
  try {
    DecodeWithFfmpeg(
        path, [&](const float* block, int64_t frames, int channels) { downmix.Add(block, frames, channels); },
        [&](const FfmpegStreamInfo& header) {
          opened = true;
          CheckChannel(path, options, header.channels);
          signal->original_sample_rate = header.sample_rate;
          signal->original_channels = header.channels;
          signal->format = header.container;
          signal->subtype = header.codec;
        });
  } catch (const DataError& e) {
    if (opened) throw;
    std::string why = e.what();
    if (why.compare(0, path.size() + 2, path + ": ") == 0) why = why.substr(path.size() + 2);
    throw DataError(path + ": cannot read audio (libsndfile: " + sndfile_error + "; FFmpeg: " + why + ")");
  }
  return std::move(downmix.mono);
}

}  // namespace

AudioSignal LoadAudio(const std::string& path, const AudioOptions& options) {
  options.Validate();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DataError(path + ": audio file not found");
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a directory, not an audio file");

  AudioSignal signal;
  std::vector<float> mono;
  SF_INFO info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (file) {
    mono = ReadSndfile(path, file.get(), info, options, &signal);
  } else {
    mono = ReadFfmpeg(path, sf_strerror(nullptr), options, &signal);
  }
  if (mono.empty()) throw DataError(path + ": audio file has zero samples");
  signal.original_frames = static_cast<int64_t>(mono.size());

  signal.sample_rate = options.sample_rate;
  if (signal.original_sample_rate == options.sample_rate) {
    signal.samples = std::move(mono);
  } else {
    signal.samples =
        Resample(mono.data(), mono.size(), signal.original_sample_rate, options.sample_rate, options.resample_quality);
    if (signal.samples.empty()) {
      throw DataError(path + ": audio file too short to resample (" + std::to_string(mono.size()) + " samples at " +
                      std::to_string(signal.original_sample_rate) + " Hz)");
    }
    // The resampler's filter sums many samples: amplitudes near float's limit (a float
    // file is nominally within [-1, 1]) overflow to infinity (found by fuzz/audio_fuzzer.cc).
    const auto bad =
        std::find_if_not(signal.samples.begin(), signal.samples.end(), [](float x) { return std::isfinite(x); });
    if (bad != signal.samples.end()) {
      throw DataError(path + ": " + Overflow("resampling", static_cast<size_t>(bad - signal.samples.begin())));
    }
  }
  return signal;
}

}  // namespace merhan
