// Audio in containers (audio/ffmpeg_decoder.h through LoadAudio): espeak-ng speech as
// 44.1 kHz stereo, encoded by the ffmpeg command-line tool to mp4, m4a, mp3, ogg and
// webm, and decoded by the same tool to 32-bit float at the file's own rate and
// channels as the reference. Where merhan decodes through FFmpeg's libraries the
// samples are the tool's exactly (the same decoder): tolerance 1e-6 absolute, which
// leaves room for the mean of two channels only. Where libsndfile decodes the file
// itself (mp3 through mpg123, ogg through libvorbis, when Debian's libsndfile has
// them), a different decoder: 2e-3 absolute and at most 0.1 % length difference.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/ffmpeg_decoder.h"
#include "merhan/util/error.h"
#include "speech_fixture.h"

namespace merhan {
namespace {

using testing::Quote;
using testing::Shell;
using testing::TempDir;

AudioOptions At(int rate, int channel = -1) {
  AudioOptions o;
  o.sample_rate = rate;
  o.channel = channel;
  return o;
}

struct Reference {
  std::vector<float> interleaved;
  int channels = 0;
  std::vector<float> Channel(int c) const {
    std::vector<float> out;
    for (size_t i = static_cast<size_t>(c); i < interleaved.size(); i += static_cast<size_t>(channels)) {
      out.push_back(interleaved[i]);
    }
    return out;
  }
  std::vector<float> Mean() const {
    std::vector<float> out;
    for (size_t i = 0; i + static_cast<size_t>(channels) <= interleaved.size(); i += static_cast<size_t>(channels)) {
      float sum = 0.0f;
      for (int c = 0; c < channels; ++c) sum += interleaved[i + static_cast<size_t>(c)];
      out.push_back(sum / static_cast<float>(channels));
    }
    return out;
  }
};

// The ffmpeg tool's decode of `path`: f32le at the stream's own rate and channels.
Reference DecodeWithTool(const TempDir& dir, const std::string& path, int channels) {
  const std::string raw = dir.File("reference.f32");
  Shell("ffmpeg -v error -nostdin -y -i " + Quote(path) + " -f f32le -c:a pcm_f32le " + Quote(raw));
  const std::string bytes = testing::Slurp(raw);
  Reference r;
  r.channels = channels;
  r.interleaved.resize(bytes.size() / sizeof(float));
  std::memcpy(r.interleaved.data(), bytes.data(), r.interleaved.size() * sizeof(float));
  return r;
}

bool SndfileReads(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f) sf_close(f);
  return f != nullptr;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0.0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::fabs(double(a[i]) - double(b[i])));
  return d;
}

class ContainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    testing::InSuiteSetup() = true;
    stereo_ = testing::Convert(*dir_, testing::MakeSpeech(*dir_), 44100, 16, 2);
    testing::InSuiteSetup() = false;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  // `stereo_` encoded by the ffmpeg tool with `codec_args`.
  static std::string Encode(const std::string& name, const std::string& codec_args) {
    const std::string out = dir_->File(name);
    Shell("ffmpeg -v error -nostdin -y -i " + Quote(stereo_) + " " + codec_args + " " + Quote(out));
    return out;
  }
  static TempDir* dir_;
  static std::string stereo_;
};
TempDir* ContainerTest::dir_ = nullptr;
std::string ContainerTest::stereo_;

struct Case {
  const char* name;
  const char* codec_args;
  int rate;  // of the encoded stream
};

TEST_F(ContainerTest, DecodesLikeTheFfmpegTool) {
  ASSERT_EQ(testing::SuiteSetupErrors(), "");
  for (const Case& c : {Case{"a.mp4", "-c:a aac -b:a 96k", 44100}, Case{"a.m4a", "-c:a aac -b:a 64k", 44100},
                        Case{"a.mp3", "-c:a libmp3lame -b:a 128k", 44100}, Case{"a.ogg", "-c:a libvorbis", 44100},
                        Case{"a.webm", "-c:a libopus -ar 48000", 48000}}) {
    SCOPED_TRACE(c.name);
    const std::string path = Encode(c.name, c.codec_args);
    const Reference ref = DecodeWithTool(*dir_, path, 2);
    const AudioSignal mean = LoadAudio(path, At(c.rate));
    const AudioSignal right = LoadAudio(path, At(c.rate, 1));
    EXPECT_EQ(mean.original_channels, 2);
    EXPECT_EQ(mean.original_sample_rate, c.rate);
    const bool by_ffmpeg = !SndfileReads(path);
    const double tolerance = by_ffmpeg ? 1e-6 : 2e-3;
    const auto expected = ref.Mean();
    ASSERT_GT(expected.size(), 10000u);
    if (by_ffmpeg) {
      EXPECT_EQ(mean.samples.size(), expected.size());
    } else {
      EXPECT_NEAR(double(mean.samples.size()), double(expected.size()), 1e-3 * expected.size());
    }
    EXPECT_LE(MaxAbsDiff(mean.samples, expected), tolerance)
        << mean.format << " / " << mean.subtype << (by_ffmpeg ? " (FFmpeg)" : " (libsndfile)");
    EXPECT_LE(MaxAbsDiff(right.samples, ref.Channel(1)), tolerance);
  }
}

// `merhan serve` spools uploads as "<n>.audio": the container is found by its content.
TEST_F(ContainerTest, ContainersAreFoundByContentNotName) {
  for (const Case& c : {Case{"e.mp4", "-c:a aac", 44100}, Case{"e.webm", "-c:a libopus -ar 48000", 48000},
                        Case{"e.mp3", "-c:a libmp3lame", 44100}, Case{"e.ogg", "-c:a libvorbis", 44100}}) {
    SCOPED_TRACE(c.name);
    const std::string path = Encode(c.name, c.codec_args);
    const std::string spooled = dir_->File(std::string(c.name) + ".audio");
    std::filesystem::copy_file(path, spooled, std::filesystem::copy_options::overwrite_existing);
    const AudioSignal named = LoadAudio(path, At(16000)), unnamed = LoadAudio(spooled, At(16000));
    EXPECT_EQ(unnamed.original_sample_rate, c.rate);
    // The same decoder, or libsndfile's and FFmpeg's for mp3/ogg (the tolerances above).
    EXPECT_NEAR(double(unnamed.samples.size()), double(named.samples.size()), 1e-3 * named.samples.size());
    EXPECT_LE(MaxAbsDiff(unnamed.samples, named.samples), 2e-3);
  }
}

TEST_F(ContainerTest, DecoderReportsTheStream) {
  const std::string path = Encode("b.mp4", "-c:a aac -b:a 96k");
  const FfmpegStreamInfo probe = ProbeWithFfmpeg(path);
  EXPECT_EQ(probe.sample_rate, 44100);
  EXPECT_EQ(probe.channels, 2);
  EXPECT_NE(probe.container.find("MOV"), std::string::npos) << probe.container;
  EXPECT_NE(probe.codec.find("AAC"), std::string::npos) << probe.codec;
  int64_t frames = 0;
  const FfmpegStreamInfo info = DecodeWithFfmpeg(path, [&](const float*, int64_t n, int channels) {
    EXPECT_EQ(channels, 2);
    frames += n;
  });
  EXPECT_EQ(info.frames, frames);
  EXPECT_EQ(static_cast<size_t>(frames), DecodeWithTool(*dir_, path, 2).Mean().size());
  const AudioSignal s = LoadAudio(path, At(44100));
  EXPECT_EQ(s.format, probe.container);
  EXPECT_EQ(s.subtype, probe.codec);
}

TEST_F(ContainerTest, ResamplesAndDownmixesThroughTheWavPath) {
  const std::string path = Encode("c.m4a", "-c:a aac -b:a 64k");
  const auto mono = DecodeWithTool(*dir_, path, 2).Mean();
  const std::vector<float> expected = Resample(mono.data(), mono.size(), 44100, 16000);
  const AudioSignal s = LoadAudio(path, At(16000));
  EXPECT_EQ(s.sample_rate, 16000);
  ASSERT_EQ(s.samples.size(), expected.size());
  EXPECT_LE(MaxAbsDiff(s.samples, expected), 1e-6);
}

void ExpectDataErrorNaming(const std::string& path, const std::string& why) {
  try {
    LoadAudio(path, At(16000));
    ADD_FAILURE() << path << ": expected a DataError (" << why << ")";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST_F(ContainerTest, CorruptOrUnsupportedFilesAreDataErrorsNamingTheFile) {
  // The first half of an mp4 whose index (moov) the tool wrote at the end.
  const std::string whole = testing::Slurp(Encode("d.mp4", "-c:a aac"));
  const std::string cut = dir_->File("cut.mp4");
  std::ofstream(cut, std::ios::binary) << whole.substr(0, whole.size() / 2);
  ExpectDataErrorNaming(cut, "cannot read audio (libsndfile: ");
  ExpectDataErrorNaming(cut, "; FFmpeg: ");
  // Bytes that are no container at all.
  const std::string garbage = dir_->File("garbage.m4a");
  std::ofstream(garbage, std::ios::binary) << std::string(4096, '\x5a');
  ExpectDataErrorNaming(garbage, "cannot read audio");
  // A container with video and no audio.
  const std::string silent = dir_->File("video_only.mp4");
  Shell("ffmpeg -v error -nostdin -y -f lavfi -i color=c=blue:s=32x32:d=0.2 -c:v mpeg4 " + Quote(silent));
  ExpectDataErrorNaming(silent, "no audio stream");
  // The channel asked for must exist, as for wav.
  const std::string mono = Encode("mono.m4a", "-ac 1 -c:a aac");
  try {
    LoadAudio(mono, At(16000, 1));
    ADD_FAILURE() << "expected a DataError for audio.channel=1 of a mono file";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(mono + ": audio.channel=1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ProbeWithFfmpeg(garbage), DataError);
}

}  // namespace
}  // namespace merhan
