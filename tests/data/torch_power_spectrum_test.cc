// MFCCs with LibTorch's FFT (the engine merhan extracts features with) against
// torchaudio.transforms.MFCC and librosa, on the espeak-ng speech of the audio
// tests, at 16 kHz and 44.1 kHz loaded at 16 kHz; the kaldi preset runs its FFTs
// in double, against the float64 Kaldi reference. References: scripts/ref_mfcc.py.
// Tolerance 1e-3 dB against the references (as tests/audio/mfcc_parity_test.cc) and
// against our kissfft engine: two float FFTs of the same frames differ by up to
// ~3.5e-4 dB in the quietest bins (measured), so no tighter bound holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "audio/speech_fixture.h"
#include "merhan/audio/audio_loader.h"
#include "merhan/audio/mfcc.h"
#include "merhan/audio/mfcc_batch.h"
#include "merhan/data/torch_power_spectrum.h"

namespace merhan {
namespace {

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
  return worst;
}

TEST(TorchPowerSpectrum, MfccMatchesTorchaudioLibrosaAndKissfft) {
  testing::TempDir dir;
  const std::string speech = testing::MakeSpeech(dir);
  ASSERT_EQ(testing::SuiteSetupErrors(), "");
  nlohmann::json jobs = nlohmann::json::array();
  struct Case {
    std::string what;
    std::vector<float> ours;
    std::vector<int64_t> shape;
    std::string ref;
  };
  std::vector<Case> cases;
  int id = 0;
  for (int rate : {16000, 44100}) {
    const std::string file = testing::Convert(dir, speech, rate, 16, 1);
    const AudioSignal signal = LoadAudio(file, AudioOptions{});
    const std::string sig = dir.File("sig" + std::to_string(rate) + ".npy");
    testing::SaveSignal(sig, signal.samples);
    for (const std::string preset : {"torchaudio", "librosa", "kaldi"}) {
      const MfccOptions options = MfccOptions::Preset(preset, 16000);
      int64_t frames = 0, kiss_frames = 0;
      const auto ours =
          Mfcc(options, MakeTorchPowerSpectrum).Compute(signal.samples.data(), signal.samples.size(), &frames);
      const auto kiss = Mfcc(options).Compute(signal.samples.data(), signal.samples.size(), &kiss_frames);
      ASSERT_EQ(frames, kiss_frames);
      EXPECT_LE(MaxAbsDiff(ours, kiss), 1e-3) << preset << " at " << rate << " Hz: torch FFT vs kissfft";
      const std::string impl = preset;  // the kaldi preset's reference runs in float64
      const std::string dtype = preset == "kaldi" ? "float64" : "float32";
      const std::string ref = dir.File("ref" + std::to_string(id++) + ".npy");
      jobs.push_back({{"signal", sig},
                      {"options", nlohmann::json::parse(options.ToString())},
                      {"impl", impl},
                      {"dtype", dtype},
                      {"out", ref}});
      cases.push_back(
          {preset + " vs " + impl + " at " + std::to_string(rate) + " Hz", ours, {frames, options.n_mfcc}, ref});
    }
  }
  ASSERT_TRUE(testing::RunReferenceJobs(dir, jobs, "torch_fft_jobs")) << "scripts/ref_mfcc.py failed";
  for (const Case& c : cases) {
    const testing::Comparison cmp = testing::Compare(c.ours, c.shape, c.ref);
    ASSERT_TRUE(cmp.same_shape) << c.what;
    EXPECT_LE(cmp.max_abs, 1e-3) << c.what;
    std::cout << c.what << ": max abs error " << cmp.max_abs << "\n";
  }
}

// The batch path spreads files over threads, each with its own engine.
TEST(TorchPowerSpectrum, BatchOnManyThreadsEqualsOneThread) {
  testing::TempDir dir;
  const std::string speech = testing::MakeSpeech(dir);
  std::vector<std::string> paths;
  for (int rate : {8000, 16000, 22050, 44100}) paths.push_back(testing::Convert(dir, speech, rate, 16, 1));
  const MfccOptions options = MfccOptions::Preset("torchaudio", 16000);
  const auto one = ComputeMfccBatch(paths, AudioOptions{}, options, 1, MakeTorchPowerSpectrum);
  const auto many = ComputeMfccBatch(paths, AudioOptions{}, options, 3, MakeTorchPowerSpectrum);
  ASSERT_EQ(one.size(), many.size());
  for (size_t i = 0; i < one.size(); ++i) EXPECT_EQ(one[i].values, many[i].values) << paths[i];
}

}  // namespace
}  // namespace merhan
