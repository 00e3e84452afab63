// LoadAudio: formats, downmixing, errors; Resample vs the python soxr package.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <fstream>
#include <limits>

#include "merhan/audio/audio_loader.h"
#include "merhan/util/error.h"
#include "speech_fixture.h"

namespace merhan {
namespace {

using testing::TempDir;

AudioOptions At(int rate, int channel = -1) {
  AudioOptions o;
  o.sample_rate = rate;
  o.channel = channel;
  return o;
}

void ExpectDataErrorNaming(const std::string& path, const AudioOptions& o, const std::string& why) {
  try {
    LoadAudio(path, o);
    ADD_FAILURE() << path << ": expected a DataError (" << why << ")";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

// `x` interleaved when `channels` > 1.
void WriteFloatWav(const std::string& path, const std::vector<float>& x, int rate, int channels = 1) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  sf_writef_float(f, x.data(), static_cast<sf_count_t>(x.size()) / channels);
  sf_close(f);
}

TEST(AudioLoader, ReadsMetadataAndDownmixes) {
  TempDir dir;
  const std::string speech = testing::MakeSpeech(dir);
  const std::string mono = testing::Convert(dir, speech, 44100, 24, 1);
  const std::string stereo = testing::Convert(dir, speech, 44100, 24, 2);  // right = 0.3 * left
  const std::string flac = testing::Convert(dir, speech, 44100, 24, 2, "flac");
  const AudioSignal m = LoadAudio(mono, At(44100));
  EXPECT_EQ(m.original_sample_rate, 44100);
  EXPECT_EQ(m.original_channels, 1);
  EXPECT_EQ(m.subtype, "Signed 24 bit PCM");
  EXPECT_EQ(static_cast<int64_t>(m.samples.size()), m.original_frames);
  const AudioSignal s = LoadAudio(stereo, At(44100));
  const AudioSignal left = LoadAudio(stereo, At(44100, 0));
  const AudioSignal right = LoadAudio(stereo, At(44100, 1));
  ASSERT_EQ(s.original_channels, 2);
  ASSERT_EQ(s.samples.size(), m.samples.size());
  double max_diff = 0, energy_l = 0, energy_r = 0;
  for (size_t i = 0; i < s.samples.size(); ++i) {
    max_diff = std::max(max_diff, std::fabs(s.samples[i] - 0.5 * (left.samples[i] + right.samples[i])));
    energy_l += left.samples[i] * left.samples[i];
    energy_r += right.samples[i] * right.samples[i];
  }
  EXPECT_LT(max_diff, 1e-6);
  EXPECT_NEAR(std::sqrt(energy_r / energy_l), 0.3, 0.01);  // sox remix 1v0.3
  const AudioSignal f = LoadAudio(flac, At(44100));
  EXPECT_EQ(f.format.rfind("FLAC", 0), 0u) << f.format;
  ASSERT_EQ(f.samples.size(), s.samples.size());
  for (size_t i = 0; i < f.samples.size(); i += 97) EXPECT_FLOAT_EQ(f.samples[i], s.samples[i]);  // lossless
  ExpectDataErrorNaming(stereo, At(44100, 2), "2 channel(s)");
}

// Ours (libsoxr 0.1.3, HQ) vs python soxr (its own libsoxr build, quality "HQ") on
// the same mono float input: same length, max abs difference <= 1e-5 (full scale 1).
TEST(AudioLoader, ResampleMatchesPythonSoxr) {
  TempDir dir;
  const std::string speech = testing::MakeSpeech(dir);
  nlohmann::json jobs = nlohmann::json::array();
  struct Case {
    int from, to;
    std::vector<float> ours;
    std::string ref;
  };
  std::vector<Case> cases;
  for (auto [from, to] : std::vector<std::pair<int, int>>{
           {44100, 16000}, {22050, 16000}, {8000, 16000}, {48000, 16000}, {16000, 22050}}) {
    const std::string file = testing::Convert(dir, speech, from, 32, 1);
    const AudioSignal native = LoadAudio(file, At(from));
    const std::string in = dir.File("in_" + std::to_string(from) + "_" + std::to_string(to) + ".npy");
    testing::SaveSignal(in, native.samples);
    Case c{from, to, Resample(native.samples.data(), native.samples.size(), from, to, "hq"), in + ".ref.npy"};
    // LoadAudio at the target rate resamples the same way.
    EXPECT_EQ(LoadAudio(file, At(to)).samples, c.ours);
    jobs.push_back(
        {{"cmd", "resample"}, {"signal", in}, {"in_rate", from}, {"out_rate", to}, {"quality", "HQ"}, {"out", c.ref}});
    cases.push_back(std::move(c));
  }
  ASSERT_TRUE(testing::RunReferenceJobs(dir, jobs, "resample_jobs"));
  for (const Case& c : cases) {
    const NpyArray ref = ReadNpyFloat(c.ref);
    ASSERT_EQ(ref.data.size(), c.ours.size()) << c.from << " -> " << c.to;
    double max_abs = 0;
    for (size_t i = 0; i < ref.data.size(); ++i)
      max_abs = std::max<double>(max_abs, std::fabs(ref.data[i] - c.ours[i]));
    std::cout << "[resample] " << c.from << " -> " << c.to << " Hz: " << c.ours.size()
              << " samples, max abs difference vs python soxr " << max_abs << "\n";
    EXPECT_LE(max_abs, 1e-5) << c.from << " -> " << c.to;
  }
}

TEST(AudioLoader, RejectsBadFilesNamingThem) {
  TempDir dir;
  const std::string speech = testing::MakeSpeech(dir);
  ExpectDataErrorNaming(dir.File("missing.wav"), At(16000), "not found");
  ExpectDataErrorNaming(dir.path(), At(16000), "directory");

  const std::string bytes = ReadFileToString(speech);
  const std::string half = dir.File("half.wav");
  WriteStringAtomically(half, bytes.substr(0, bytes.size() / 2));
  ExpectDataErrorNaming(half, At(16000), "truncated");

  const std::string header_only = dir.File("header_only.wav");
  WriteStringAtomically(header_only, bytes.substr(0, 30));
  ExpectDataErrorNaming(header_only, At(16000), "cannot read audio");

  const std::string flac = testing::Convert(dir, speech, 16000, 16, 1, "flac");
  const std::string flac_bytes = ReadFileToString(flac);
  const std::string half_flac = dir.File("half.flac");
  WriteStringAtomically(half_flac, flac_bytes.substr(0, flac_bytes.size() / 2));
  try {
    LoadAudio(half_flac, At(16000));
    ADD_FAILURE() << "truncated FLAC accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(half_flac), std::string::npos) << e.what();
  }

  const std::string garbage = dir.File("garbage.wav");
  WriteStringAtomically(garbage, std::string(4096, 'x'));
  ExpectDataErrorNaming(garbage, At(16000), "cannot read audio");

  const std::string empty = dir.File("empty.wav");
  WriteFloatWav(empty, {}, 16000);
  ExpectDataErrorNaming(empty, At(16000), "zero samples");

  std::vector<float> x(1000, 0.1f);
  x[500] = std::numeric_limits<float>::quiet_NaN();
  const std::string nan = dir.File("nan.wav");
  WriteFloatWav(nan, x, 16000);
  ExpectDataErrorNaming(nan, At(16000), "non-finite");
  x[500] = std::numeric_limits<float>::infinity();
  const std::string inf = dir.File("inf.wav");
  WriteFloatWav(inf, x, 16000);
  ExpectDataErrorNaming(inf, At(16000), "non-finite");

  // Finite samples near float's limit: their downmix overflows; so does resampling them
  // (the input the audio fuzzer found: 25 frames at 16,024 Hz, up to 3.39e38).
  const std::string loud = dir.File("loud.wav");
  WriteFloatWav(loud, std::vector<float>(2000, 3e38f), 16000, 2);
  ExpectDataErrorNaming(loud, At(16000), "the downmix overflows float at sample 0");
  const std::string found = testing::Slurp(testing::SourceDir() + "/fuzz/corpus/audio/regression-resampling-overflow");
  ASSERT_GT(found.size(), 1u);
  const std::string resampled = dir.File("resampled.wav");
  WriteStringAtomically(resampled, found.substr(1));  // the harness's first byte picks the options
  ExpectDataErrorNaming(resampled, At(16000), "resampling overflows float at sample");

  // docs/fuzzing.md: a header rate of 1 Hz would size the resampler's output by the
  // ratio (16000x); such rates are refused before any allocation.
  const std::string slow = dir.File("one_hz.wav");
  WriteFloatWav(slow, std::vector<float>(64, 0.1f), 1);
  ExpectDataErrorNaming(slow, At(16000), "sample rate 1 Hz is outside 1000-768000 Hz");
}

}  // namespace
}  // namespace merhan
