// Batched extraction of layer-norm encoders (one padded batch with a frame mask)
// equals one-utterance-at-a-time runs within 1e-4 on every valid frame of every
// hidden state, for each layer-norm variant of the fixtures (including data2vec's
// stacked positional convolutions and HuBERT's batch-norm branch, where padding
// would leak into valid frames without the re-zeroing); group-norm models are
// always run one at a time.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "speech_fixtures.h"

namespace merhan {
namespace {

std::vector<std::vector<float>> Clips(const std::string& root, const nlohmann::json& manifest) {
  std::vector<std::vector<float>> clips;
  for (const auto& [name, info] : manifest["clips"].items()) {
    auto samples = testing::LoadClip(root + "/" + info["wav"].get<std::string>());
    // At most 6 s (300 frames, past WavLM's exact buckets): the batch stays cheap.
    samples.resize(std::min<size_t>(samples.size(), 96003));
    clips.push_back(std::move(samples));
  }
  // A fourth, cut from the longest: every other row is padded somewhere.
  const auto longest =
      *std::max_element(clips.begin(), clips.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  clips.push_back(std::vector<float>(longest.begin(), longest.begin() + 12345));
  return clips;
}

TEST(SpeechBatching, LayerNormModelsBatchedEqualSingleUtteranceRuns) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const auto manifest = testing::ReadJson(root + "/manifest.json");
  const auto clips = Clips(root, manifest);
  int checked = 0;
  for (const auto& v : manifest["variants"]) {
    if (!v["layer_norm_conv"].get<bool>()) continue;
    LoadedSpeechEncoder enc = LoadSpeechEncoder({root + "/" + v["name"].get<std::string>()});
    const auto batched = EncodeWaveforms(enc, clips, SpeechBatching::kAuto);
    const auto single = EncodeWaveforms(enc, clips, SpeechBatching::kOneAtATime);
    ASSERT_TRUE(torch::equal(batched.frame_lengths, single.frame_lengths));
    ASSERT_EQ(batched.hidden_states.size(), single.hidden_states.size());
    float worst = 0;
    for (int64_t b = 0; b < static_cast<int64_t>(clips.size()); ++b) {
      const int64_t n = single.frame_lengths[b].item<int64_t>();
      EXPECT_EQ(n, enc.config.FramesFor(static_cast<int64_t>(clips[static_cast<size_t>(b)].size())));
      auto valid = [&](const torch::Tensor& x) { return x[b].slice(0, 0, n); };
      for (size_t i = 0; i < single.hidden_states.size(); ++i) {
        worst = std::max(worst, testing::MaxAbsDiff(valid(batched.hidden_states[i]), valid(single.hidden_states[i])));
      }
      worst = std::max(worst, testing::MaxAbsDiff(valid(batched.last_hidden_state), valid(single.last_hidden_state)));
    }
    std::cout << "[batching] " << v["name"].get<std::string>() << ": max |batched - single| = " << worst << "\n";
    EXPECT_LE(worst, 1e-4f) << v["name"];
    ++checked;
  }
  EXPECT_GE(checked, 5);  // wav2vec2-large-lv60, hubert-large, hubert-bn, wavlm-large, data2vec-audio-base
}

TEST(SpeechBatching, GroupNormModelsRunOneUtteranceAtATime) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const auto manifest = testing::ReadJson(root + "/manifest.json");
  const auto clips = Clips(root, manifest);
  LoadedSpeechEncoder enc = LoadSpeechEncoder({root + "/wav2vec2-base"});
  ASSERT_EQ(enc.config.conv_norm, ConvNorm::kGroup);
  const auto a = EncodeWaveforms(enc, clips, SpeechBatching::kAuto);
  const auto b = EncodeWaveforms(enc, clips, SpeechBatching::kOneAtATime);
  for (size_t i = 0; i < a.hidden_states.size(); ++i) {
    EXPECT_TRUE(torch::equal(a.hidden_states[i], b.hidden_states[i])) << i;
  }
  // Padding does change a group-norm front end's frames: what one-at-a-time avoids.
  const int64_t last = static_cast<int64_t>(clips.size()) - 1;
  const int64_t n = a.frame_lengths[last].item<int64_t>();
  std::vector<float> padded = NormalizeWaveform(clips.back(), enc.preprocessor.normalization);
  const auto length = static_cast<int64_t>(padded.size());
  padded.resize(padded.size() + 16000, 0.0f);  // one second of zeros after it, as in a padded batch
  torch::InferenceMode inference;
  const auto x = torch::from_blob(padded.data(), {1, static_cast<int64_t>(padded.size())}).clone();
  const auto padded_out = enc.model->forward(x, torch::tensor({length}));
  const float drift =
      testing::MaxAbsDiff(padded_out.last_hidden_state[0].slice(0, 0, n), a.last_hidden_state[last].slice(0, 0, n));
  std::cout << "[batching] wav2vec2-base (group norm) padded vs alone: " << drift << "\n";
  EXPECT_GT(drift, 1e-3f);
}

}  // namespace
}  // namespace merhan
