// Speech-encoder streams (data.streams.<name>.format = "speech-encoder"): the spec's
// errors, the cached float16/float32 matrices against transformers' hidden states of
// the same clip (scripts/make_speech_encoder_fixtures.py), the collated batch, the
// weights fingerprint in the cache key, and the free-space refusal with its estimate.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../speech/speech_fixtures.h"
#include "merhan/data/collate.h"
#include "merhan/data/feature_cache.h"
#include "merhan/data/speech_encoder_stream.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

PrecomputedStreamSpec SpeechSpec(const nlohmann::json& fields) {
  nlohmann::json j = {{"format", "speech-encoder"}};
  if (fields.is_object()) j.merge_patch(fields);  // {} reads as null, which merge_patch would apply
  return ParsePrecomputedStreams({{"wavlm", j}}).at(0);
}

// The message of the UsageError `f` throws ("" when it throws none).
template <typename F>
std::string UsageMessage(F f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(SpeechStreamSpec, ParsesLayersStorageAndDevice) {
  PrecomputedStreamSpec s = SpeechSpec({{"model_dir", "m"}});
  EXPECT_EQ(s.format, PrecomputedFormat::kSpeechEncoder);
  EXPECT_TRUE(s.speech.layers.empty());  // all
  EXPECT_EQ(s.speech.storage, SpeechStorage::kFloat16);
  EXPECT_EQ(s.speech.device, "cpu");
  s = SpeechSpec({{"model_dir", "m"}, {"layers", "7-9"}, {"dtype", "float32"}, {"device", "cuda:1"}});
  EXPECT_EQ(s.speech.layers, (std::vector<int>{7, 8, 9}));
  EXPECT_EQ(s.speech.storage, SpeechStorage::kFloat32);
  EXPECT_EQ(s.speech.device, "cuda:1");
  EXPECT_EQ(SpeechSpec({{"model_dir", "m"}, {"layers", {0, 6, 12}}}).speech.layers, (std::vector<int>{0, 6, 12}));

  const std::pair<nlohmann::json, std::string> refused[] = {
      {nlohmann::json::object(), "data.streams.wavlm.model_dir: required"},
      {{{"model_dir", "m"}, {"layers", "9-2"}}, "data.streams.wavlm.layers: the range 9-2 is empty"},
      {{{"model_dir", "m"}, {"layers", {3, 1}}}, "data.streams.wavlm.layers: indices ascending"},
      {{{"model_dir", "m"}, {"layers", "last"}}, "data.streams.wavlm.layers: expected \"all\""},
      {{{"model_dir", "m"}, {"dtype", "bfloat16"}}, "data.streams.wavlm.dtype: expected float16 or float32"},
      {{{"model_dir", "m"}, {"device", "tpu"}}, "data.streams.wavlm.device: expected cpu, cuda or cuda:N"},
      {{{"model_dir", "m"}, {"normalize", "speaker"}}, "data.streams.wavlm.normalize: not supported"},
      {{{"model_dir", "m"}, {"dir", "x"}}, "data.streams.wavlm.dir: unknown key"},
  };
  for (const auto& [fields, message] : refused) {
    const std::string got = UsageMessage([&] { SpeechSpec(fields); });
    EXPECT_NE(got.find(message), std::string::npos) << fields.dump() << " -> " << got;
  }
}

TEST(SpeechEncoderStream, ResolvesTheEncoderAndNamesWhatDoesNotFit) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const std::string model = root + "/wavlm-base-plus";  // 2 layers of 32
  const SpeechStreamLayout all = ResolveSpeechStream(SpeechSpec({{"model_dir", model}}));
  EXPECT_EQ(all.layers, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(all.hidden_size, 32);
  EXPECT_EQ(all.RowDim(), 96);
  EXPECT_DOUBLE_EQ(all.frames_per_second, 50.0);
  std::string message = UsageMessage([&] { ResolveSpeechStream(SpeechSpec({{"model_dir", model}, {"layers", {1, 3}}})); });
  EXPECT_NE(message.find("data.streams.wavlm.layers: hidden state 3 does not exist"), std::string::npos) << message;
  EXPECT_NE(message.find("hidden states 0..2"), std::string::npos) << message;
  message = UsageMessage([&] { ResolveSpeechStream(SpeechSpec({{"model_dir", model}, {"dim", 768}})); });
  EXPECT_NE(message.find("data.streams.wavlm.dim: 768, but"), std::string::npos) << message;

  TempDir tmp;
  fs::create_directories(tmp.File("no-weights"));
  fs::copy_file(model + "/config.json", tmp.File("no-weights/config.json"));
  try {
    ResolveSpeechStream(SpeechSpec({{"model_dir", tmp.File("no-weights")}}));
    ADD_FAILURE() << "no DataError for a directory without weights";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("data.streams.wavlm.model_dir: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("missing model.safetensors or pytorch_model.bin"), std::string::npos)
        << e.what();
  }
}

// Every kept hidden state of the cached rows against transformers' (fixture reference,
// fp32): float16 storage within its rounding (2^-11 relative) plus the encoders'
// 1e-4; float32 storage within 1e-4. The batch holds the stored values as float32.
TEST(SpeechEncoderStream, CachesTransformersHiddenStates) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const std::string model = root + "/wavlm-base-plus";
  std::vector<Utterance> utterances(2);
  utterances[0].id = "odd";
  utterances[0].wav_path = root + "/clips/odd.wav";
  utterances[1].id = "short_odd";
  utterances[1].wav_path = root + "/clips/short_odd.wav";
  TempDir tmp;
  for (const char* dtype : {"float16", "float32"}) {
    // "cuda": on a host without one (this machine), the encoder runs on the CPU with a
    // warning; on a GPU host it runs there (the same states within the tolerances).
    const FeatureStream stream = SpeechEncoderFeatureStream(
        SpeechSpec({{"model_dir", model}, {"layers", "1-2"}, {"dtype", dtype}, {"device", "cuda"}}));
    FeatureCache cache(tmp.File("cache"), stream.name, stream.config_json, stream.input, stream.dtype);
    const FeatureCacheStats stats = cache.Ensure(utterances, stream.extract, 1);
    EXPECT_EQ(stats.computed, 2);
    const bool half = std::string(dtype) == "float16";
    for (const Utterance& u : utterances) {
      const FeatureView v = cache.Get(u.id);
      EXPECT_EQ(v.dtype, half ? FeatureDtype::kFloat16 : FeatureDtype::kFloat32);
      const torch::Tensor ref = testing::LoadNpyTensor(model + "/reference/" + u.id + ".hidden_states.npy");
      ASSERT_EQ(v.rows, ref.size(1));
      ASSERT_EQ(v.cols, 2 * ref.size(2));
      const torch::Tensor stored =
          torch::from_blob(const_cast<void*>(v.data), {v.rows, 2, ref.size(2)}, half ? torch::kHalf : torch::kFloat32)
              .to(torch::kFloat32);
      for (int k = 0; k < 2; ++k) {
        const torch::Tensor want = ref[k + 1];
        const float tolerance = (half ? want.abs().max().item<float>() / 2048.0f : 0.0f) + 1e-4f;
        EXPECT_LE(testing::MaxAbsDiff(stored.select(1, k), want), tolerance) << u.id << " " << dtype << " layer " << k + 1;
      }
      const CollateStream s{StreamKind::kPrecomputed, "wavlm", "test", {v}};
      const Batch batch = Collate({u.id}, {-1}, {s});
      EXPECT_TRUE(torch::equal(batch.Input("wavlm").values[0], stored.reshape({v.rows, v.cols})));
    }
  }
}

TEST(SpeechEncoderStream, CacheKeyHoldsTheEncodersFingerprint) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  TempDir tmp;
  const std::string model = tmp.File("encoder");
  fs::copy(root + "/wavlm-base-plus", model);
  auto key = [&](const nlohmann::json& fields) {
    nlohmann::json j = {{"model_dir", model}};
    if (fields.is_object()) j.merge_patch(fields);
    const FeatureStream s = SpeechEncoderFeatureStream(SpeechSpec(j));
    return FeatureCache(tmp.File("cache"), s.name, s.config_json, s.input, s.dtype).key();
  };
  const std::string before = key({});
  EXPECT_EQ(key({}), before);
  EXPECT_NE(key({{"layers", "0-1"}}), before);
  EXPECT_NE(key({{"dtype", "float32"}}), before);
  {  // One weight byte changed, the size and the path the same.
    std::fstream f(model + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-1, std::ios::end);
    const char last = static_cast<char>(f.get());
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(last ^ 1));
  }
  EXPECT_NE(key({}), before);
}

TEST(SpeechEncoderStream, RefusesACacheThatWouldNotFitWithItsEstimate) {
  // wav2vec2-base / wavlm-base-plus shapes: 13 hidden states of 768 at 50 frames/s.
  SpeechStreamLayout base;
  base.layers.resize(13);
  base.cached.resize(13);
  base.hidden_size = 768;
  base.frames_per_second = 50;
  EXPECT_DOUBLE_EQ(base.BytesPerHour(), 3600.0 * 50 * 13 * 768 * 2);  // 3.35 GiB per hour in float16
  base.storage = SpeechStorage::kFloat32;
  EXPECT_DOUBLE_EQ(base.BytesPerHour(), 3600.0 * 50 * 13 * 768 * 4);
  base.storage = SpeechStorage::kFloat16;

  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  Utterance u;
  u.id = "long";
  u.wav_path = root + "/clips/long.wav";  // 328,003 samples: 20.5 s
  const double needed = 1000 + 328003.0 / 16000 / 3600 * base.BytesPerHour();
  EXPECT_NO_THROW(CheckSpeechCacheSpace(base, {&u}, 1000, "/cache", static_cast<int64_t>(needed) + 1));
  const std::string message =
      UsageMessage([&] { CheckSpeechCacheSpace(base, {&u}, 1000, "/cache", static_cast<int64_t>(needed) - 1); });
  EXPECT_NE(message.find("feature cache /cache: the speech-encoder stream needs about 0.02 GiB"), std::string::npos)
      << message;
  EXPECT_NE(message.find("0.006 h of audio to encode at 3.35 GiB per hour: 13 hidden states of 768 in float16"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace merhan
