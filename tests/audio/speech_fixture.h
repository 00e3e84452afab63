// Real speech for the audio tests: espeak-ng renders a sentence (22.05 kHz mono
// 16-bit), sox converts it to other rates, sample formats and channel counts, and
// scripts/ref_mfcc.py computes reference MFCCs (torchaudio, librosa) and reference
// resampling (python soxr) in one python process per batch of jobs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "merhan/io/npy.h"
#include "merhan/util/atomic_file.h"
#include "test_util.h"

namespace merhan::testing {

// Failures of commands run from SetUpTestSuite, where a gtest failure would make
// gtest (and ctest's SKIP_REGULAR_EXPRESSION) report the suite's tests as skipped
// instead of failed; the tests assert this is empty.
inline std::string& SuiteSetupErrors() {
  static std::string errors;
  return errors;
}
inline bool& InSuiteSetup() {
  static bool in = false;
  return in;
}

// Runs a shell command; fails the test (and returns false) if it exits non-zero.
inline bool Shell(const std::string& command) {
  const CommandResult r = RunCommand(command);
  if (r.exit_code != 0) {
    const std::string what = command + " exited " + std::to_string(r.exit_code) + "\n" + r.output;
    if (InSuiteSetup())
      SuiteSetupErrors() += what + "\n";
    else
      ADD_FAILURE() << what;
  }
  return r.exit_code == 0;
}

// espeak-ng speech at 22.05 kHz mono 16-bit.
inline std::string MakeSpeech(const TempDir& dir, const std::string& name = "speech.wav") {
  const std::string path = dir.File(name);
  Shell("espeak-ng -w " + Quote(path) +
        " 'She sells sea shells by the sea shore. How much wood would a woodchuck chuck?'");
  return path;
}

// sox conversion: rate in Hz, bits 16|24|32 (32 = float), channels 1|2 (the second
// channel is the first at 0.3 gain, so the channels differ). -R: repeatable dither.
inline std::string Convert(const TempDir& dir, const std::string& in, int rate, int bits, int channels,
                           const std::string& ext = "wav") {
  const std::string out = dir.File("speech_" + std::to_string(rate) + "_" + std::to_string(bits) + "_" +
                                   std::to_string(channels) + "ch." + ext);
  std::string fmt = bits == 32 ? "-e floating-point -b 32" : "-e signed-integer -b " + std::to_string(bits);
  std::string remix = channels == 2 ? " remix 1 1v0.3" : "";
  Shell("sox -R " + Quote(in) + " " + fmt + " -r " + std::to_string(rate) + " " + Quote(out) + remix);
  return out;
}

inline void SaveSignal(const std::string& path, const std::vector<float>& x) {
  WriteNpyFloat32(path, {static_cast<int64_t>(x.size())}, x.data());
}

// Runs scripts/ref_mfcc.py batch on `jobs` (written to dir/name.json).
inline bool RunReferenceJobs(const TempDir& dir, const nlohmann::json& jobs, const std::string& name) {
  const std::string path = dir.File(name + ".json");
  WriteStringAtomically(path, jobs.dump());
  return Shell(Quote(PythonBinary()) + " " + Quote(SourceDir() + "/scripts/ref_mfcc.py") + " batch " + Quote(path));
}

// Max |a - b| of two .npy matrices after checking they have the same shape.
struct Comparison {
  bool same_shape = false;
  std::vector<int64_t> ours_shape, ref_shape;
  double max_abs = 0.0;
  bool finite = true;
};

inline Comparison Compare(const std::vector<float>& ours, const std::vector<int64_t>& ours_shape,
                          const std::string& ref_npy) {
  Comparison c;
  NpyArray ref = ReadNpyFloat(ref_npy);
  c.ours_shape = ours_shape;
  c.ref_shape = ref.shape;
  c.same_shape = ours_shape == ref.shape && ours.size() == ref.data.size();
  for (float v : ours) c.finite = c.finite && std::isfinite(v);
  if (!c.same_shape) return c;
  for (size_t i = 0; i < ours.size(); ++i) {
    c.max_abs = std::max(c.max_abs, static_cast<double>(std::fabs(ours[i] - ref.data[i])));
  }
  return c;
}

inline std::string ShapeText(const std::vector<int64_t>& s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + ")";
}

}  // namespace merhan::testing
