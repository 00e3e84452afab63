// MFCC parity against torchaudio (both presets) and librosa (HTK and Slaney mel) on
// espeak-ng speech at 8, 16, 22.05 and 44.1 kHz, 16-bit, 24-bit and float, mono
// and stereo. References: scripts/ref_mfcc.py. Resampling is factored out: merhan
// loads and resamples each file, and the references run on that same mono signal
// (resampling itself is tested against python soxr in audio_loader_test.cc).
//
// Tolerances (max abs error over every coefficient of every frame):
//   torchaudio preset vs torchaudio.transforms.MFCC (float32)         1e-3 dB
//   librosa, HTK mel / Slaney mel and norm, vs librosa (float32)      1e-3 dB
//   kaldi preset vs torchaudio.compliance.kaldi.mfcc in float64       1e-3
//   kaldi preset vs the same in float32        1e-3 + the float32 reference's own
//                                              distance from its float64 run
// The float32 Kaldi reference is itself up to ~2.6e-3 away from its float64 run on
// these files (cepstral lifter 22 scales c_12 by 12, and float32 FFT error with it);
// we compute the kaldi preset's FFTs in double and sit ~2e-4 from the float64 run,
// so against float32 torchaudio we can only promise triangle-inequality closeness.
// Frame counts must be identical everywhere.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/mfcc.h"
#include "speech_fixture.h"

namespace merhan {
namespace {

using testing::Compare;
using testing::Comparison;
using testing::ShapeText;

struct Variant {
  std::string name;    // e.g. speech_44100_24_2ch
  int rate;            // native rate of the file
  int target;          // rate it is loaded at
  std::string preset;  // our preset
  std::vector<std::string> sets;
  std::string impl;  // reference
  std::string dtype;
  double tolerance;
  // Filled by SetUpTestSuite.
  std::vector<float> ours;
  std::vector<int64_t> shape;
  std::string ref;
  std::string ref64;  // kaldi float32 jobs: the float64 reference of the same signal
};

class MfccParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::InSuiteSetup() = true;
    dir_ = new testing::TempDir();
    const std::string speech = testing::MakeSpeech(*dir_);
    nlohmann::json jobs = nlohmann::json::array();
    int id = 0;
    std::string last_ref64;
    auto add = [&](const std::string& file, const std::string& stem, int rate, int target, const std::string& preset,
                   std::vector<std::string> sets, const std::string& impl, const std::string& dtype, double tol) {
      Variant v{stem, rate, target, preset, sets, impl, dtype, tol, {}, {}, "", ""};
      AudioOptions audio;
      audio.sample_rate = target;
      MfccOptions options = MfccOptions::Preset(preset, target);
      ConfigRegistry r;
      options.Register(&r);
      for (const auto& s : sets) r.ApplyOverride(s);
      const AudioSignal signal = LoadAudio(file, audio);
      const std::string tag = std::to_string(id++);
      const std::string sig = dir_->File("sig_" + tag + ".npy");
      testing::SaveSignal(sig, signal.samples);
      Mfcc mfcc(options);
      int64_t frames = 0;
      v.ours = mfcc.Compute(signal.samples.data(), signal.samples.size(), &frames);
      v.shape = {frames, options.n_mfcc};
      v.ref = dir_->File("ref_" + tag + ".npy");
      if (impl == "kaldi" && dtype == "float64") last_ref64 = v.ref;
      if (impl == "kaldi" && dtype == "float32") v.ref64 = last_ref64;
      jobs.push_back({{"signal", sig},
                      {"options", nlohmann::json::parse(options.ToString())},
                      {"impl", impl},
                      {"dtype", dtype},
                      {"out", v.ref}});
      (*variants_)[impl + "/" + preset + (sets.empty() ? "" : "+" + sets[0]) + "/" + dtype].push_back(v);
    };
    variants_ = new std::map<std::string, std::vector<Variant>>();
    for (int rate : {8000, 16000, 22050, 44100}) {
      for (int bits : {16, 24, 32}) {
        for (int channels : {1, 2}) {
          const std::string file = testing::Convert(*dir_, speech, rate, bits, channels);
          const std::string stem = file.substr(file.rfind('/') + 1);
          add(file, stem, rate, 16000, "torchaudio", {}, "torchaudio", "float32", 1e-3);
          add(file, stem, rate, 16000, "kaldi", {}, "kaldi", "float64", 1e-3);
          add(file, stem, rate, 16000, "kaldi", {}, "kaldi", "float32", 1e-3);
          add(file, stem, rate, 16000, "torchaudio", {}, "librosa", "float32", 1e-3);  // HTK mel, reflect
          add(file, stem, rate, 16000, "librosa", {}, "librosa", "float32", 1e-3);     // Slaney mel + norm
          if (bits == 16 && channels == 1) {  // every rate natively, no resampling at all
            add(file, stem, rate, rate, "torchaudio", {}, "torchaudio", "float32", 1e-3);
            add(file, stem, rate, rate, "kaldi", {}, "kaldi", "float64", 1e-3);
            add(file, stem, rate, rate, "librosa", {}, "librosa", "float32", 1e-3);
          }
        }
      }
    }
    ok_ = testing::RunReferenceJobs(*dir_, jobs, "parity_jobs");
    testing::InSuiteSetup() = false;
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete variants_;
  }

  static void Check(const std::string& key) {
    ASSERT_EQ(testing::SuiteSetupErrors(), "");
    ASSERT_TRUE(ok_) << "scripts/ref_mfcc.py failed";
    ASSERT_TRUE(variants_->count(key)) << key;
    double worst = 0.0, reference_self_error = 0.0;
    std::string worst_name;
    for (const Variant& v : variants_->at(key)) {
      const Comparison c = Compare(v.ours, v.shape, v.ref);
      const std::string what = v.name + " loaded at " + std::to_string(v.target) + " Hz";
      ASSERT_TRUE(c.same_shape) << what << ": ours " << ShapeText(c.ours_shape) << ", " << v.impl << " "
                                << ShapeText(c.ref_shape);
      EXPECT_TRUE(c.finite) << what;
      double tolerance = v.tolerance;
      if (!v.ref64.empty()) {  // widen by the reference's own float32 error
        const NpyArray r64 = ReadNpyFloat(v.ref64);
        const Comparison self = Compare(r64.data, r64.shape, v.ref);
        tolerance += self.max_abs;
        reference_self_error = std::max(reference_self_error, self.max_abs);
      }
      EXPECT_LE(c.max_abs, tolerance) << what;
      if (c.max_abs >= worst) {
        worst = c.max_abs;
        worst_name = what;
      }
    }
    std::cout << "[parity] " << key << ": " << variants_->at(key).size() << " files, max abs error " << worst << " ("
              << worst_name << ")";
    if (reference_self_error > 0)
      std::cout << "; the float32 reference's own max error vs float64: " << reference_self_error;
    std::cout << "\n";
    ::testing::Test::RecordProperty("max_abs_error", std::to_string(worst));
  }

  static testing::TempDir* dir_;
  static std::map<std::string, std::vector<Variant>>* variants_;
  static bool ok_;
};

testing::TempDir* MfccParity::dir_ = nullptr;
std::map<std::string, std::vector<Variant>>* MfccParity::variants_ = nullptr;
bool MfccParity::ok_ = false;

// One test for the five comparisons: ctest runs each test in its own process, and the
// suite's set-up (every file converted, every reference computed in Python) is most of
// the cost. Each comparison reports its key on failure and does not stop the others:
//   torchaudio/torchaudio/float32  the torchaudio preset against torchaudio's MFCC
//   kaldi/kaldi/float64|float32    the Kaldi preset against torchaudio.compliance.kaldi
//   librosa/torchaudio/float32     HTK mel against librosa
//   librosa/librosa/float32        Slaney mel (with its norm) against librosa
TEST_F(MfccParity, EveryPresetMatchesItsReference) {
  for (const char* key : {"torchaudio/torchaudio/float32", "kaldi/kaldi/float64", "kaldi/kaldi/float32",
                          "librosa/torchaudio/float32", "librosa/librosa/float32"}) {
    SCOPED_TRACE(key);
    Check(key);
  }
}

}  // namespace
}  // namespace merhan
