// WavLM's relative-position buckets against transformers' own
// WavLMAttention._relative_positions_bucket over relative positions -2000..2000,
// for the real (320, 800) setting and two others (fixture wavlm_buckets.npy).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "merhan/speech/relative_position_bias.h"
#include "speech_fixtures.h"

namespace merhan {
namespace {

TEST(RelativePositionBucket, EqualsTransformersOverPlusMinus2000Positions) {
  const std::string root = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
  ASSERT_FALSE(root.empty());
  const auto manifest = testing::ReadJson(root + "/manifest.json");
  const auto ref = testing::LoadNpyTensor(root + "/wavlm_buckets.npy").to(torch::kLong);
  const auto& settings = manifest["wavlm_buckets"]["settings"];
  ASSERT_EQ(ref.size(0), static_cast<int64_t>(settings.size()));
  ASSERT_EQ(ref.size(1), 4001);
  const auto relative = torch::arange(-2000, 2001, torch::kLong);
  for (size_t i = 0; i < settings.size(); ++i) {
    const int64_t num_buckets = settings[i]["num_buckets"], max_distance = settings[i]["max_distance"];
    const auto ours = RelativePositionBucket(relative, num_buckets, max_distance);
    const auto expected = ref[static_cast<int64_t>(i)];
    const int64_t wrong = ours.ne(expected).sum().item<int64_t>();
    EXPECT_EQ(wrong, 0) << "num_buckets " << num_buckets << ", max_distance " << max_distance;
    // Every bucket is in range and the far ends saturate in the last bucket of each half.
    EXPECT_GE(ours.min().item<int64_t>(), 0);
    EXPECT_LT(ours.max().item<int64_t>(), num_buckets);
    EXPECT_EQ(ours[0].item<int64_t>(), num_buckets / 2 - 1);
    EXPECT_EQ(ours[4000].item<int64_t>(), num_buckets - 1);
  }
}

TEST(RelativePositionBucket, ExactNearTheDiagonalAndSignSplit) {
  const auto rel = torch::tensor({0, 1, -1, 79, -79, 80, 81, 800, 2000}, torch::kLong);
  const auto b = RelativePositionBucket(rel, 320, 800);
  // |d| < 80 keeps its own bucket; positive offsets live in the upper half (+160).
  EXPECT_EQ(b[0].item<int64_t>(), 0);
  EXPECT_EQ(b[1].item<int64_t>(), 161);
  EXPECT_EQ(b[2].item<int64_t>(), 1);
  EXPECT_EQ(b[3].item<int64_t>(), 160 + 79);
  EXPECT_EQ(b[4].item<int64_t>(), 79);
  EXPECT_EQ(b[5].item<int64_t>(), 160 + 80);  // log(80 / 80) = 0: first shared bucket
  EXPECT_EQ(b[7].item<int64_t>(), 319);       // max_distance: the last bucket
  EXPECT_EQ(b[8].item<int64_t>(), 319);
}

TEST(RelativePositionBias, TableLookupPerHead) {
  const auto table = torch::arange(320 * 2, torch::kFloat).view({320, 2});
  const auto bias = RelativePositionBias(table, 5, 320, 800);
  ASSERT_EQ(bias.sizes(), (std::vector<int64_t>{2, 5, 5}));
  // [h, q, k] = table[bucket(k - q), h]: k - q = 2 -> bucket 162, k - q = -3 -> bucket 3.
  EXPECT_EQ(bias[1][0][2].item<float>(), table[162][1].item<float>());
  EXPECT_EQ(bias[0][3][0].item<float>(), table[3][0].item<float>());
}

}  // namespace
}  // namespace merhan
