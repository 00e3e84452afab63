// MFCC edge cases against torchaudio (scripts/ref_mfcc.py): shorter than one
// window, exactly one window, all-zero silence (finite, no -inf/NaN), a 10-minute
// signal; plus options, presets, determinism, threads and the batch path.
// Tolerances as in mfcc_parity_test.cc: torchaudio 1e-3 dB, kaldi (float64) 1e-3.
#include <gtest/gtest.h>

#include <thread>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/mfcc.h"
#include "merhan/audio/mfcc_batch.h"
#include "merhan/util/error.h"
#include "speech_fixture.h"

namespace merhan {
namespace {

using testing::TempDir;

TEST(MfccEdgeCases, MatchTorchaudio) {
  TempDir dir;
  AudioOptions audio;
  const AudioSignal speech = LoadAudio(testing::MakeSpeech(dir), audio);
  std::vector<std::pair<std::string, std::vector<float>>> signals;
  // Starting inside the speech so short signals are not silence.
  const size_t mid = speech.samples.size() / 3;
  signals.push_back({"300 samples (< one window)", {speech.samples.begin() + mid, speech.samples.begin() + mid + 300}});
  signals.push_back({"400 samples (one window)", {speech.samples.begin() + mid, speech.samples.begin() + mid + 400}});
  signals.push_back({"1 s of zeros", std::vector<float>(16000, 0.0f)});
  std::vector<float> ten_minutes;
  while (ten_minutes.size() < 600u * 16000u)
    ten_minutes.insert(ten_minutes.end(), speech.samples.begin(), speech.samples.end());
  ten_minutes.resize(600u * 16000u);
  signals.push_back({"10 minutes", ten_minutes});

  nlohmann::json jobs = nlohmann::json::array();
  struct Case {
    std::string what;
    std::vector<float> ours;
    std::vector<int64_t> shape;
    std::string ref;
  };
  std::vector<Case> cases;
  for (const std::string preset : {"torchaudio", "kaldi"}) {
    const MfccOptions options = MfccOptions::Preset(preset);
    const Mfcc mfcc(options);
    for (size_t i = 0; i < signals.size(); ++i) {
      const std::string sig = dir.File("edge_" + std::to_string(i) + ".npy");
      testing::SaveSignal(sig, signals[i].second);
      int64_t frames = 0;
      Case c{preset + ", " + signals[i].first, {}, {}, dir.File("ref_" + preset + std::to_string(i) + ".npy")};
      c.ours = mfcc.Compute(signals[i].second.data(), signals[i].second.size(), &frames);
      c.shape = {frames, options.n_mfcc};
      EXPECT_EQ(frames, mfcc.NumFrames(signals[i].second.size()));
      jobs.push_back({{"signal", sig},
                      {"options", nlohmann::json::parse(options.ToString())},
                      {"impl", preset},
                      {"dtype", preset == "kaldi" ? "float64" : "float32"},
                      {"out", c.ref}});
      cases.push_back(std::move(c));
    }
  }
  ASSERT_TRUE(testing::RunReferenceJobs(dir, jobs, "edge_jobs"));
  for (const Case& c : cases) {
    const testing::Comparison r = testing::Compare(c.ours, c.shape, c.ref);
    ASSERT_TRUE(r.same_shape) << c.what << ": ours " << testing::ShapeText(r.ours_shape) << ", reference "
                              << testing::ShapeText(r.ref_shape);
    EXPECT_TRUE(r.finite) << c.what;
    EXPECT_LE(r.max_abs, 1e-3) << c.what;
    std::cout << "[edge] " << c.what << ": " << c.shape[0] << " frames, max abs error " << r.max_abs << "\n";
  }
}

TEST(MfccEdgeCases, TinyAndEmptySignals) {
  const Mfcc torch_like(MfccOptions::Preset("torchaudio"));
  const Mfcc kaldi(MfccOptions::Preset("kaldi"));
  std::vector<float> tiny(100, 0.25f);  // shorter than torch's reflect padding (torch refuses)
  int64_t frames = -1;
  auto c = torch_like.Compute(tiny.data(), tiny.size(), &frames);
  EXPECT_EQ(frames, 1);
  for (float v : c) EXPECT_TRUE(std::isfinite(v));
  c = kaldi.Compute(tiny.data(), tiny.size(), &frames);
  EXPECT_EQ(frames, 0);  // snip_edges: no whole window
  EXPECT_TRUE(c.empty());
  c = torch_like.Compute(nullptr, 0, &frames);
  EXPECT_EQ(frames, 0);
  std::vector<float> one(1, 0.5f);
  c = torch_like.Compute(one.data(), 1, &frames);
  EXPECT_EQ(frames, 1);
  for (float v : c) EXPECT_TRUE(std::isfinite(v));
}

TEST(MfccOptionsTest, PresetsAndValidation) {
  EXPECT_THROW(MfccOptions::Preset("htk"), UsageError);
  const MfccOptions k22 = MfccOptions::Preset("kaldi", 22050);  // Kaldi's int(sr * ms * 0.001)
  EXPECT_EQ(k22.win_length, 551);
  EXPECT_EQ(k22.hop_length, 220);
  EXPECT_EQ(k22.n_fft, 1024);
  const MfccOptions seed;
  EXPECT_EQ(seed.ToString(), MfccOptions::Preset("torchaudio").ToString());
  EXPECT_NE(seed.ToString().find("\"n_mfcc\":40"), std::string::npos) << seed.ToString();
  MfccOptions bad;
  bad.n_fft = 300;
  EXPECT_THROW(bad.Validate(), UsageError);
  bad = MfccOptions();
  bad.n_mfcc = 41;
  EXPECT_THROW(Mfcc{bad}, UsageError);
  bad = MfccOptions();
  bad.f_max = 9000;  // above Nyquist at 16 kHz
  EXPECT_THROW(bad.Validate(), UsageError);
  AudioOptions audio;
  audio.sample_rate = 8000;
  EXPECT_THROW(CheckSampleRatesAgree(audio, MfccOptions()), UsageError);
}

TEST(MfccThreads, ConcurrentComputeAndBatchEqualSerial) {
  TempDir dir;
  const std::string speech = testing::MakeSpeech(dir);
  std::vector<std::string> paths = {
      testing::Convert(dir, speech, 16000, 16, 1), testing::Convert(dir, speech, 44100, 24, 2),
      testing::Convert(dir, speech, 8000, 32, 1), testing::Convert(dir, speech, 22050, 16, 2)};
  AudioOptions audio;
  MfccOptions options;
  options.dither = 0.1;  // seeded: every call must still give the same output
  const Mfcc mfcc(options);
  std::vector<std::vector<float>> serial;
  for (const auto& p : paths) {
    const AudioSignal s = LoadAudio(p, audio);
    int64_t frames = 0;
    serial.push_back(mfcc.Compute(s.samples.data(), s.samples.size(), &frames));
  }
  for (int threads : {1, 4}) {
    const auto batch = ComputeMfccBatch(paths, audio, options, threads);
    ASSERT_EQ(batch.size(), paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      EXPECT_EQ(batch[i].values, serial[i]) << paths[i] << " threads " << threads;
      EXPECT_EQ(batch[i].num_frames * batch[i].num_coefficients, static_cast<int64_t>(serial[i].size()));
    }
  }
  paths.insert(paths.begin() + 2, dir.File("missing.wav"));
  try {
    ComputeMfccBatch(paths, audio, options, 3);
    ADD_FAILURE() << "missing file accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.wav"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace merhan
