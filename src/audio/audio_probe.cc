#include "merhan/audio/audio_probe.h"

#include <sndfile.h>

#include <filesystem>

#include "merhan/audio/ffmpeg_decoder.h"
#include "merhan/util/error.h"

namespace merhan {

AudioHeader ProbeAudio(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DataError(path + ": audio file not found");
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a directory, not an audio file");
  AudioHeader header;
  SF_INFO info{};
  if (SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info)) {
    SF_FORMAT_INFO name{};
    name.format = info.format & SF_FORMAT_TYPEMASK;
    sf_command(nullptr, SFC_GET_FORMAT_INFO, &name, sizeof(name));
    sf_close(file);
    header.sample_rate = info.samplerate;
    header.channels = info.channels;
    header.frames = info.frames;
    header.format = name.name ? name.name : "libsndfile";
    if (info.channels < 1 || info.samplerate < 1) throw DataError(path + ": invalid audio header");
    return header;
  }
  const std::string sndfile_error = sf_strerror(nullptr);
  try {
    const FfmpegStreamInfo s = ProbeWithFfmpeg(path);
    header.sample_rate = s.sample_rate;
    header.channels = s.channels;
    header.frames = s.frames;
    header.format = s.container;
  } catch (const DataError& e) {
    std::string why = e.what();
    if (why.compare(0, path.size() + 2, path + ": ") == 0) why = why.substr(path.size() + 2);
    throw DataError(path + ": cannot read audio (libsndfile: " + sndfile_error + "; FFmpeg: " + why + ")");
  }
  return header;
}

}  // namespace merhan
