// The speech-encoder parity fixtures (scripts/make_speech_encoder_fixtures.py):
// random wav2vec2 / HuBERT / WavLM / data2vec-audio model directories with
// transformers' outputs, generated once per build directory under
// <build>/speech-fixtures/{small,real} and regenerated when the script changes.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "merhan/audio/audio_loader.h"
#include "merhan/io/npy.h"
#include "merhan/util/file_lock.h"
#include "merhan/util/sha256.h"
#include "test_util.h"

namespace merhan::testing {

enum class FixtureShapes { kSmall, kReal };

// Generates the fixtures if needed (under a file lock: ctest may run several test
// processes at once) and returns their directory; "" after a test failure.
inline std::string SpeechFixtureDir(FixtureShapes shapes) {
  const std::string root = BuildDir() + "/speech-fixtures";
  const std::string dir = root + (shapes == FixtureShapes::kReal ? "/real" : "/small");
  const std::string script = SourceDir() + "/scripts/make_speech_encoder_fixtures.py";
  const std::string want = Sha256File(script);
  auto current = [&] {
    std::error_code ec;
    if (!std::filesystem::exists(dir + "/manifest.json", ec)) return false;
    return ReadJson(dir + "/manifest.json").value("script_sha256", "") == want;
  };
  if (current()) return dir;
  std::filesystem::create_directories(root);
  FileLock lock = FileLock::Acquire(root + "/.lock");
  if (current()) return dir;
  const auto r = RunCommand(PythonBinary() + " " + script + " --out " + Quote(dir) +
                            (shapes == FixtureShapes::kReal ? " --real-shapes" : ""));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.exit_code == 0 ? dir : "";
}

inline torch::Tensor LoadNpyTensor(const std::string& path) {
  NpyArray a = ReadNpyFloat(path);
  return torch::from_blob(a.data.data(), a.shape, torch::kFloat32).clone();
}

// A 16 kHz float WAV as written by the generator (exact samples).
inline std::vector<float> LoadClip(const std::string& path) {
  AudioOptions options;
  return LoadAudio(path, options).samples;
}

inline float MaxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<float>(); }

}  // namespace merhan::testing
