#include "merhan/audio/ffmpeg_decoder.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "merhan/audio/ffmpeg_plugin_abi.h"
#include "merhan/util/error.h"

#ifndef MERHAN_FFMPEG_PLUGIN_DEFAULT
#define MERHAN_FFMPEG_PLUGIN_DEFAULT ""
#endif

namespace merhan {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPluginName = "merhan_ffmpeg_plugin.so";

std::vector<std::string> PluginCandidates() {
  std::vector<std::string> c;
  if (const char* env = std::getenv("MERHAN_FFMPEG_PLUGIN")) c.push_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    c.push_back((exe.parent_path() / kPluginName).string());
    c.push_back((exe.parent_path() / "../lib" / kPluginName).string());
  }
  if (*MERHAN_FFMPEG_PLUGIN_DEFAULT) c.push_back(MERHAN_FFMPEG_PLUGIN_DEFAULT);
  return c;
}

// The plugin's entry point, or a message saying why there is none (a host without
// FFmpeg, e.g. the GPU bundle: containers are then a DataError, wav and flac still work).
struct Plugin {
  merhan_ffmpeg_decode_fn decode = nullptr;
  std::string failure;
};

const Plugin& LoadPlugin() {
  static Plugin plugin;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string tried;
    for (const auto& path : PluginCandidates()) {
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        tried += " " + path;
        continue;
      }
      void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      void* sym = lib ? ::dlsym(lib, "merhan_ffmpeg_decode") : nullptr;
      if (!sym) {
        tried += " " + path + " (" + ::dlerror() + ")";
        continue;
      }
      plugin.decode = reinterpret_cast<merhan_ffmpeg_decode_fn>(sym);
      return;
    }
    plugin.failure = std::string("FFmpeg support (") + kPluginName + ") is not available; tried:" + tried +
                     ". Set MERHAN_FFMPEG_PLUGIN to its path";
  });
  return plugin;
}

FfmpegStreamInfo InfoOf(const merhan_ffmpeg_info& i) {
  FfmpegStreamInfo out;
  out.sample_rate = i.sample_rate;
  out.channels = i.channels;
  out.frames = i.frames;
  out.container = i.container;
  out.codec = i.codec;
  return out;
}

struct Callbacks {
  const FfmpegFrameSink* sink;
  const std::function<void(const FfmpegStreamInfo&)>* on_open;
};

void OnOpen(void* user, const merhan_ffmpeg_info* info) {
  const auto* c = static_cast<const Callbacks*>(user);
  if (*c->on_open) (*c->on_open)(InfoOf(*info));
}

void OnBlock(void* user, const float* interleaved, int64_t frames, int channels) {
  (*static_cast<const Callbacks*>(user)->sink)(interleaved, frames, channels);
}

FfmpegStreamInfo Call(const std::string& path, bool decode, const FfmpegFrameSink& sink,
                      const std::function<void(const FfmpegStreamInfo&)>& on_open) {
  const Plugin& plugin = LoadPlugin();
  if (!plugin.decode) throw DataError(path + ": " + plugin.failure);
  merhan_ffmpeg_info info{};
  Callbacks callbacks{&sink, &on_open};
  char err[1024] = {0};
  const int status =
      plugin.decode(path.c_str(), decode ? 1 : 0, &info, &callbacks, &OnOpen, &OnBlock, err, sizeof(err));
  if (status == MERHAN_FFMPEG_INTERNAL) throw InternalError(err);
  if (status != MERHAN_FFMPEG_OK) throw DataError(err);
  return InfoOf(info);
}

}  // namespace

FfmpegStreamInfo ProbeWithFfmpeg(const std::string& path) { return Call(path, false, {}, {}); }

FfmpegStreamInfo DecodeWithFfmpeg(const std::string& path, const FfmpegFrameSink& sink,
                                  const std::function<void(const FfmpegStreamInfo&)>& on_open) {
  return Call(path, true, sink, on_open);
}

}  // namespace merhan
