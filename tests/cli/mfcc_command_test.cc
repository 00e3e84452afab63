// `merhan mfcc` end to end: exit codes, the .npy numpy reads, and parity with
// torchaudio (scripts/ref_mfcc.py) on a 44.1 kHz stereo 24-bit file, compared on the
// same resampled mono signal (--signal-out). Tolerance 1e-3 dB max abs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "merhan/audio/mfcc_options.h"
#include "merhan/io/npy.h"
#include "merhan/util/atomic_file.h"
#include "test_util.h"

namespace merhan {
namespace {

using testing::RunCommand;
using testing::TempDir;

std::string Q(const std::string& s) { return "'" + s + "'"; }

std::string MakeSpeech(const TempDir& dir) {
  const std::string raw = dir.File("raw.wav"), out = dir.File("speech_44k_stereo_24.wav");
  EXPECT_EQ(RunCommand("espeak-ng -w " + Q(raw) + " 'Wow. Very promising, said the reviewer.'").exit_code, 0);
  EXPECT_EQ(RunCommand("sox -R " + Q(raw) + " -b 24 -r 44100 " + Q(out) + " remix 1 1v0.3").exit_code, 0);
  return out;
}

TEST(MfccCommand, StereoFortyFourKiloHertzMatchesTorchaudio) {
  TempDir dir;
  const std::string wav = MakeSpeech(dir);
  const std::string out = dir.File("mfcc.npy"), sig = dir.File("signal.npy");
  const auto r =
      RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(wav) + " --out " + Q(out) + " --signal-out " + Q(sig));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // numpy loads it: float32, (frames, 40).
  const auto np =
      RunCommand(Q(testing::PythonBinary()) + " -c \"import numpy as n; a = n.load('" + out +
                 "'); print(a.dtype, a.shape[1], a.shape[0] == 1 + n.load('" + sig + "').shape[0] // 160)\"");
  ASSERT_EQ(np.exit_code, 0) << np.output;
  EXPECT_EQ(np.output, "float32 40 True\n");

  const std::string opts = dir.File("options.json"), ref = dir.File("ref.npy");
  WriteStringAtomically(opts, MfccOptions::Preset("torchaudio").ToString());
  const auto py =
      RunCommand(Q(testing::PythonBinary()) + " " + Q(testing::SourceDir() + "/scripts/ref_mfcc.py") +
                 " mfcc --signal " + Q(sig) + " --options " + Q(opts) + " --impl torchaudio --out " + Q(ref));
  ASSERT_EQ(py.exit_code, 0) << py.output;
  const NpyArray ours = ReadNpyFloat(out), theirs = ReadNpyFloat(ref);
  ASSERT_EQ(ours.shape, theirs.shape);
  double max_abs = 0;
  for (size_t i = 0; i < ours.data.size(); ++i)
    max_abs = std::max<double>(max_abs, std::fabs(ours.data[i] - theirs.data[i]));
  EXPECT_LE(max_abs, 1e-3);
  std::cout << "[cli parity] 44.1 kHz stereo 24-bit vs torchaudio: max abs " << max_abs << " dB\n";

  // Options reach the extractor: --set and --cmvn.
  const std::string out13 = dir.File("mfcc13.npy");
  const auto r13 = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(wav) +
                              " --preset kaldi --set mfcc.n_mfcc=10 --cmvn utterance --out " + Q(out13));
  ASSERT_EQ(r13.exit_code, 0) << r13.output;
  EXPECT_EQ(ReadNpyFloat(out13).shape[1], 10);
}

TEST(MfccCommand, ExitCodes) {
  TempDir dir;
  const std::string wav = MakeSpeech(dir);
  const std::string bytes = ReadFileToString(wav);
  const std::string truncated = dir.File("truncated.wav");
  WriteStringAtomically(truncated, bytes.substr(0, bytes.size() * 2 / 3));
  const std::string out = dir.File("x.npy");
  auto r = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(truncated) + " --out " + Q(out));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(truncated), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));  // nothing half-written

  r = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(dir.File("none.wav")) + " --out " + Q(out));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("none.wav"), std::string::npos) << r.output;
  r = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(wav) + " --preset nope --out " + Q(out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(wav) + " --set mfcc.n_mfcc=99 --out " + Q(out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(wav) + " --set mfcc.sample_rate=8000 --out " + Q(out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunCommand(Q(testing::MerhanBinary()) + " mfcc --wav " + Q(wav) + " --out " + Q(dir.File("x.txt")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace merhan
