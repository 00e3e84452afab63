// The top layers of an encoder as a module of their own (fine-tuning inside a model):
// run on hidden_states[L - n] of a padded batch, they give hidden_states[L - n + 1 .. L]
// of the whole encoder on every valid frame, within 1e-5, for every variant of the
// fixtures (post-LN and stable-LN, WavLM with its position bias from the frozen
// layer 0 and with layer 0 itself among the top layers), for n = 1 and n = L.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/speech/speech_top_layers.h"
#include "speech_fixtures.h"

namespace merhan {
namespace {

TEST(SpeechTopLayers, ReproduceTheEncodersTopHiddenStates) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const auto manifest = testing::ReadJson(root + "/manifest.json");
  std::vector<std::vector<float>> clips = {testing::LoadClip(root + "/clips/odd.wav"),
                                           testing::LoadClip(root + "/clips/short_odd.wav")};
  int checked = 0;
  for (const auto& v : manifest["variants"]) {
    LoadedSpeechEncoder enc = LoadSpeechEncoder({root + "/" + v["name"].get<std::string>()});
    // One utterance at a time for every variant (group norm), then the rows padded
    // together: the top layers themselves run on a padded batch with its mask.
    const SpeechEncoderOutput full = EncodeWaveforms(enc, clips, SpeechBatching::kOneAtATime);
    const int64_t layers = enc.config.num_hidden_layers;
    for (int64_t n : {int64_t{1}, layers}) {
      SpeechTopLayers top(enc.config, n);
      top->CopyFrom(*enc.model);
      top->eval();
      torch::NoGradGuard no_grad;
      const auto out = top->forward(full.hidden_states[static_cast<size_t>(layers - n)], full.frame_mask);
      ASSERT_EQ(static_cast<int64_t>(out.size()), n);
      float worst = 0;
      for (int64_t k = 0; k < n; ++k) {
        const torch::Tensor& want = full.hidden_states[static_cast<size_t>(layers - n + 1 + k)];
        for (int64_t b = 0; b < 2; ++b) {
          const int64_t frames = full.frame_lengths[b].item<int64_t>();
          worst = std::max(worst, testing::MaxAbsDiff(out[static_cast<size_t>(k)][b].slice(0, 0, frames),
                                                      want[b].slice(0, 0, frames)));
        }
      }
      EXPECT_LE(worst, 1e-5f) << v["name"] << " n=" << n;
      ++checked;
    }
  }
  EXPECT_GE(checked, 18);
}

// In training mode the layers drop out as transformers' do (the fixtures' configs set
// 0.1 everywhere): outputs change from run to run; in eval mode, and with every
// dropout at 0, they are the eval outputs.
TEST(SpeechTopLayers, DropOutInTrainingModeOnly) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  LoadedSpeechEncoder enc = LoadSpeechEncoder({root + "/wavlm-base-plus"});
  ASSERT_DOUBLE_EQ(enc.config.hidden_dropout, 0.1);
  const SpeechEncoderOutput full = EncodeWaveforms(enc, {testing::LoadClip(root + "/clips/odd.wav")});
  const int64_t layers = enc.config.num_hidden_layers;
  auto run = [&](SpeechEncoderConfig config, bool training) {
    SpeechTopLayers top(config, 1);
    top->CopyFrom(*enc.model);
    top->train(training);
    torch::NoGradGuard no_grad;
    return top->forward(full.hidden_states[static_cast<size_t>(layers - 1)], full.frame_mask).back();
  };
  const torch::Tensor want = full.hidden_states.back();
  EXPECT_LE(testing::MaxAbsDiff(run(enc.config, false), want), 1e-5f);
  EXPECT_GT(testing::MaxAbsDiff(run(enc.config, true), want), 1e-3f);
  EXPECT_GT(testing::MaxAbsDiff(run(enc.config, true), run(enc.config, true)), 1e-3f);
  SpeechEncoderConfig none = enc.config;
  none.hidden_dropout = none.attention_dropout = none.activation_dropout = 0;
  EXPECT_LE(testing::MaxAbsDiff(run(none, true), want), 1e-5f);
}

}  // namespace
}  // namespace merhan
