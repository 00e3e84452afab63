// `merhan embed-speech` end to end: the program's .npy against transformers'
// hidden states for the same WAV (a stable-LN WavLM task checkpoint saved as .bin),
// all layers, one layer, the last hidden state; exit codes for a bad layer (2) and
// a missing directory (3).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "speech_fixtures.h"

namespace merhan {
namespace {

TEST(EmbedSpeechCli, WritesTransformersHiddenStates) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  testing::TempDir tmp;
  const std::string model = root + "/wavlm-large", wav = root + "/clips/odd.wav";
  const std::string base = "OMP_NUM_THREADS=1 " + testing::MerhanBinary() + " embed-speech --model-dir " +
                           testing::Quote(model) + " --wav " + testing::Quote(wav);
  auto r =
      testing::RunCommand(base + " --out " + tmp.File("all.npy") + " --last-hidden-state-out " + tmp.File("last.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto ref = testing::LoadNpyTensor(model + "/reference/odd.hidden_states.npy");
  const auto all = testing::LoadNpyTensor(tmp.File("all.npy"));
  ASSERT_EQ(all.sizes(), ref.sizes());
  EXPECT_LE(testing::MaxAbsDiff(all, ref), 1e-4f);
  const auto last = testing::LoadNpyTensor(tmp.File("last.npy"));
  EXPECT_LE(testing::MaxAbsDiff(last, testing::LoadNpyTensor(model + "/reference/odd.last_hidden_state.npy")), 1e-4f);
  EXPECT_GT(testing::MaxAbsDiff(last, ref[ref.size(0) - 1]), 1e-2f) << "stable LN: last state differs from layer L";

  r = testing::RunCommand(base + " --layer 2 --out " + tmp.File("l2.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto l2 = testing::LoadNpyTensor(tmp.File("l2.npy"));
  ASSERT_EQ(l2.dim(), 2);
  EXPECT_LE(testing::MaxAbsDiff(l2, ref[2]), 1e-4f);

  // bf16 autocast (native on AVX512-BF16 CPUs, emulated elsewhere): the same states at
  // bf16's precision (8 bits of mantissa, ~0.4 % per rounding, compounded over layers).
  r = testing::RunCommand(base + " --device cpu --bf16 --out " + tmp.File("bf16.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto bf16 = testing::LoadNpyTensor(tmp.File("bf16.npy"));
  ASSERT_EQ(bf16.sizes(), ref.sizes());
  const float scale = ref.abs().max().item<float>();
  EXPECT_LE(testing::MaxAbsDiff(bf16, ref), 0.1f * scale);
  EXPECT_GT(testing::MaxAbsDiff(bf16, ref), 1e-6f) << "autocast did not run in bf16";
  EXPECT_NE(r.output.find("bf16 autocast"), std::string::npos) << r.output;

  r = testing::RunCommand(base + " --layer 9 --out " + tmp.File("l9.npy"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("hidden states 0..3"), std::string::npos) << r.output;
  r = testing::RunCommand(testing::MerhanBinary() + " embed-speech --model-dir " + tmp.File("nowhere") + " --wav " +
                          testing::Quote(wav) + " --out " + tmp.File("x.npy"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(tmp.File("nowhere")), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
