// Parity of merhan's speech encoders with transformers (fp32, eval mode): for every
// small variant of scripts/make_speech_encoder_fixtures.py (seven hub shapes plus
// HuBERT's batch-norm positional branch; both weight-norm key flavours; bare and
// task-prefixed checkpoints; safetensors and .bin) and every clip (odd lengths, one
// of 20.5 s = 1024 frames, past WavLM's max_bucket_distance of 800), every entry of
// hidden_states and last_hidden_state within 1e-4 absolute of transformers'.
// MERHAN_REAL_SHAPES=1 runs the same at the real sizes (slow).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "speech_fixtures.h"

namespace merhan {
namespace {

using testing::FixtureShapes;

constexpr float kTolerance = 1e-4f;

// Every test of this binary computes on one intra-op thread: two threads on a busy
// two-core machine ran 20x slower (docs/design.md T8), and the suite is sized for one core.
class OneThread : public ::testing::Environment {
 public:
  void SetUp() override { torch::set_num_threads(1); }
};
const auto* const kOneThread = ::testing::AddGlobalTestEnvironment(new OneThread);

// Checks one variant against its references; returns the largest difference seen.
float CheckVariant(const std::string& root, const nlohmann::json& manifest, const nlohmann::json& variant) {
  const std::string dir = root + "/" + variant["name"].get<std::string>();
  LoadedSpeechEncoder enc = LoadSpeechEncoder({dir});
  EXPECT_TRUE(enc.report.missing.empty()) << enc.report.ToString();
  EXPECT_TRUE(enc.report.unexpected.empty()) << enc.report.ToString();
  const bool task = variant["task_class"].get<std::string>().find("For") != std::string::npos;
  EXPECT_EQ(enc.report.task_prefix.empty(), !task) << enc.report.ToString();
  EXPECT_EQ(enc.report.head.size() > 0, task) << "head tensors kept aside: " << enc.report.ToString();
  if (task) {  // the classifier or CTC head, under its name in the file, for a later head loader
    EXPECT_TRUE(enc.report.head.Has("classifier.weight") || enc.report.head.Has("lm_head.weight"))
        << enc.report.ToString();
  }
  EXPECT_EQ(enc.config.num_hidden_layers, variant["num_hidden_layers"].get<int64_t>());
  float worst = 0;
  for (const auto& [clip, info] : manifest["clips"].items()) {
    const auto samples = testing::LoadClip(root + "/" + info["wav"].get<std::string>());
    const auto out = EncodeWaveforms(enc, {samples});
    const auto ref_states = testing::LoadNpyTensor(dir + "/reference/" + clip + ".hidden_states.npy");
    const auto ref_last = testing::LoadNpyTensor(dir + "/reference/" + clip + ".last_hidden_state.npy");
    EXPECT_EQ(static_cast<int64_t>(out.hidden_states.size()), ref_states.size(0)) << variant["name"] << " " << clip;
    if (static_cast<int64_t>(out.hidden_states.size()) != ref_states.size(0)) continue;
    for (size_t i = 0; i < out.hidden_states.size(); ++i) {
      const auto ours = out.hidden_states[i][0];
      const auto ref = ref_states[static_cast<int64_t>(i)];
      EXPECT_EQ(ours.sizes(), ref.sizes()) << variant["name"] << " " << clip << " hidden_states[" << i << "]";
      if (ours.sizes() != ref.sizes()) continue;
      const float err = testing::MaxAbsDiff(ours, ref);
      EXPECT_LE(err, kTolerance) << variant["name"] << " " << clip << " hidden_states[" << i << "]";
      worst = std::max(worst, err);
    }
    EXPECT_EQ(out.last_hidden_state[0].sizes(), ref_last.sizes());
    if (out.last_hidden_state[0].sizes() != ref_last.sizes()) continue;
    const float err = testing::MaxAbsDiff(out.last_hidden_state[0], ref_last);
    EXPECT_LE(err, kTolerance) << variant["name"] << " " << clip << " last_hidden_state";
    worst = std::max(worst, err);
  }
  return worst;
}

void CheckAll(FixtureShapes shapes) {
  const std::string root = testing::SpeechFixtureDir(shapes);
  ASSERT_FALSE(root.empty());
  const auto manifest = testing::ReadJson(root + "/manifest.json");
  std::cout << "[parity] transformers " << manifest["transformers"].get<std::string>() << ", torch "
            << manifest["torch"].get<std::string>() << "\n";
  ASSERT_GE(manifest["variants"].size(), 8u);
  for (const auto& v : manifest["variants"]) {
    const float worst = CheckVariant(root, manifest, v);
    std::cout << "[parity] " << v["name"].get<std::string>() << " (" << v["model_type"].get<std::string>() << ", "
              << v["weights"].get<std::string>() << ", weight norm " << v["weight_norm"].dump() << ", "
              << v["task_class"].get<std::string>() << "): max |ours - transformers| = " << worst << "\n";
  }
}

TEST(SpeechEncoderParity, EveryHiddenStateOfEverySmallVariantMatchesTransformers) { CheckAll(FixtureShapes::kSmall); }

TEST(SpeechEncoderParity, RealShapesMatchTransformers) {
  const char* flag = std::getenv("MERHAN_REAL_SHAPES");
  if (!flag || std::string(flag) != "1") {
    GTEST_SKIP() << "real-size encoders (wav2vec2-large etc., several GB, minutes): set MERHAN_REAL_SHAPES=1";
  }
  CheckAll(FixtureShapes::kReal);
}

// The stable-LN variants are where transformers 5.x's last hidden_states entry and
// last_hidden_state differ (docs/design.md T11): the fixtures must show it.
TEST(SpeechEncoderParity, StableLayerNormModelsExposeBothLastStates) {
  const std::string root = testing::SpeechFixtureDir(FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const auto manifest = testing::ReadJson(root + "/manifest.json");
  int stable = 0;
  for (const auto& v : manifest["variants"]) {
    const std::string dir = root + "/" + v["name"].get<std::string>();
    const auto states = testing::LoadNpyTensor(dir + "/reference/odd.hidden_states.npy");
    const auto last = testing::LoadNpyTensor(dir + "/reference/odd.last_hidden_state.npy");
    const float gap = testing::MaxAbsDiff(states[states.size(0) - 1], last);
    if (v["stable_layer_norm"].get<bool>()) {
      ++stable;
      EXPECT_GT(gap, 1e-2f) << v["name"] << ": the final LayerNorm should change the last state";
    } else {
      EXPECT_EQ(gap, 0.0f) << v["name"];
    }
  }
  EXPECT_EQ(stable, 3);  // wav2vec2-large-lv60, hubert-large, wavlm-large
}

}  // namespace
}  // namespace merhan
