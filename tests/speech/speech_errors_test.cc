// What a user gets for a directory merhan cannot use: a DataError (exit 3) naming
// the file and the field or tensor, and what is supported; plus the front end's
// frame arithmetic and the waveform normalisation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/util/error.h"
#include "speech_fixtures.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A copy of a fixture model directory that a test may break.
class BrokenDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
    ASSERT_FALSE(root_.empty());
    dir_ = tmp_.File("model");
    fs::copy(root_ + "/wavlm-base-plus", dir_, fs::copy_options::recursive);
  }
  void Edit(const std::string& file, const std::string& key, const nlohmann::json& value) {
    auto j = testing::ReadJson(dir_ + "/" + file);
    j[key] = value;
    std::ofstream(dir_ + "/" + file) << j.dump(1);
  }
  // The DataError message LoadSpeechEncoder throws ("" and a failure if none).
  std::string LoadError() {
    try {
      LoadSpeechEncoder({dir_});
    } catch (const DataError& e) {
      EXPECT_EQ(e.code(), ExitCode::kData);
      return e.what();
    }
    ADD_FAILURE() << "no DataError";
    return "";
  }
  std::string root_, dir_;
  testing::TempDir tmp_;
};

TEST_F(BrokenDir, UnsupportedConfigValuesNameTheFileTheFieldAndWhatIsSupported) {
  const std::string config = dir_ + "/config.json";
  Edit("config.json", "feat_extract_norm", "batch");
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(config), HasSubstr("feat_extract_norm"), HasSubstr("\"batch\""),
                                 HasSubstr("\"group\", \"layer\"")));
  Edit("config.json", "feat_extract_norm", "group");
  Edit("config.json", "hidden_act", "relu");
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(config), HasSubstr("hidden_act"), HasSubstr("\"gelu\"")));
  Edit("config.json", "hidden_act", "gelu");
  Edit("config.json", "feat_extract_activation", "gelu_new");
  EXPECT_THAT(LoadError(), AllOf(HasSubstr("feat_extract_activation"), HasSubstr("gelu_new")));
  Edit("config.json", "feat_extract_activation", "gelu");
  Edit("config.json", "add_adapter", true);
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(config), HasSubstr("add_adapter")));
  Edit("config.json", "add_adapter", false);
  Edit("config.json", "model_type", "whisper");
  EXPECT_THAT(LoadError(), AllOf(HasSubstr("model_type"), HasSubstr("whisper"), HasSubstr("wavlm, data2vec-audio")));
  Edit("config.json", "model_type", "wavlm");
  Edit("config.json", "num_conv_pos_embedding_groups", 5);
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(config), HasSubstr("num_conv_pos_embedding_groups 5")));
  Edit("config.json", "num_conv_pos_embedding_groups", 16);
  Edit("config.json", "conv_kernel", nlohmann::json::array({10, 3}));
  EXPECT_THAT(LoadError(), HasSubstr("conv_dim, conv_kernel and conv_stride"));
}

TEST_F(BrokenDir, WeightsThatDoNotFitTheConfigNameTheTensor) {
  Edit("config.json", "intermediate_size", 50);
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(dir_ + "/model.safetensors"), HasSubstr("intermediate_dense"),
                                 HasSubstr("config.json implies")));
}

TEST_F(BrokenDir, MissingFilesNameTheDirectoryAndTheFilesExpected) {
  fs::remove(dir_ + "/model.safetensors");
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(dir_), HasSubstr("missing model.safetensors or pytorch_model.bin")));
  fs::remove(dir_ + "/config.json");
  EXPECT_THAT(LoadError(), HasSubstr("missing config.json; model.safetensors or pytorch_model.bin"));
  fs::remove_all(dir_);
  EXPECT_THAT(LoadError(),
              AllOf(HasSubstr(dir_), HasSubstr("not found"), HasSubstr("config.json and model.safetensors")));
}

TEST_F(BrokenDir, ASampleRateOtherThan16kHzIsRefusedNamingIt) {
  Edit("preprocessor_config.json", "sampling_rate", 8000);
  EXPECT_THAT(LoadError(), AllOf(HasSubstr(dir_ + "/preprocessor_config.json"), HasSubstr("sampling_rate 8000"),
                                 HasSubstr("16000")));
}

TEST_F(BrokenDir, HalfAWeightNormPairIsNamed) {
  StateDict sd("w.safetensors");
  sd.Set("encoder.pos_conv_embed.conv.weight_g", torch::ones({1, 1, 128}));
  SpeechLoadReport report;
  try {
    NormalizeSpeechKeys(sd, SpeechModelType::kWavLM, &report);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("w.safetensors"), HasSubstr("weight_v' is missing")));
  }
}

TEST_F(BrokenDir, TooShortAudioIsADataError) {
  LoadedSpeechEncoder enc = LoadSpeechEncoder({dir_});
  EXPECT_EQ(enc.config.MinSamples(), 400);
  try {
    EncodeWaveforms(enc, {std::vector<float>(399, 0.1f)});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("399 samples"), HasSubstr("at least 400")));
  }
}

TEST(SpeechEncoderConfig, FrameArithmeticMatchesTheConvolutions) {
  SpeechEncoderConfig c;  // the standard front end: kernels 10,3,3,3,3,2,2, strides 5,2,2,2,2,2,2
  EXPECT_EQ(c.MinSamples(), 400);
  EXPECT_EQ(c.TotalStride(), 320);
  EXPECT_EQ(c.FramesFor(399), 0);
  EXPECT_EQ(c.FramesFor(400), 1);
  EXPECT_EQ(c.FramesFor(16000), 49);
  EXPECT_EQ(c.FramesFor(328003), 1024);
  torch::NoGradGuard no_grad;
  c.hidden_size = 32;
  c.num_attention_heads = 4;
  c.intermediate_size = 16;
  c.num_hidden_layers = 1;
  c.conv_dim = std::vector<int64_t>(7, 4);
  SpeechEncoder model(c);
  model->eval();
  for (int64_t n : {400, 719, 720, 16000, 16001}) {
    EXPECT_EQ(model->forward(torch::randn({1, n})).last_hidden_state.size(1), c.FramesFor(n)) << n;
  }
  EXPECT_THAT(c.ToString(), AllOf(HasSubstr("wav2vec2"), HasSubstr("group-norm"), HasSubstr("post-LN")));
}

TEST(SpeechPreprocessor, ZeroMeanUnitVarianceAsTheFeatureExtractor) {
  std::vector<float> x(1001);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * std::sin(0.05f * i) + 0.1f;
  const auto y = NormalizeWaveform(x, WaveformNormalization::kZeroMeanUnitVariance);
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / y.size();
  double var = 0;
  for (float v : y) var += (v - mean) * (v - mean);
  var /= y.size();
  EXPECT_NEAR(mean, 0.0, 1e-6);
  EXPECT_NEAR(var, 1.0, 1e-5);  // 1 / (1 + 1e-7 / var(x))
  EXPECT_EQ(NormalizeWaveform(x, WaveformNormalization::kNone), x);
  SpeechPreprocessorConfig defaults;
  EXPECT_EQ(defaults.normalization, WaveformNormalization::kZeroMeanUnitVariance);
  EXPECT_NO_THROW(defaults.Validate());
}

}  // namespace
}  // namespace merhan
