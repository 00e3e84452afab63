// The FFT (overlap-save) grouped convolution against torch's own conv1d, the operation
// transformers runs for the positional convolution: padding kernel / 2, the extra frame
// of an even kernel dropped. Tolerance 1e-5 absolute on outputs of magnitude ~1 (the
// float32 FFT's rounding is ~2e-6 at the base shapes).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "merhan/speech/fft_grouped_conv.h"
#include "merhan/speech/positional_conv_embedding.h"

namespace merhan {
namespace {

torch::Tensor Conv1dSame(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, int64_t groups) {
  const int64_t kernel = w.size(2);
  auto y = torch::conv1d(x, w, b, 1, kernel / 2, 1, groups);
  return y.slice(2, 0, x.size(2));
}

double MaxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

struct Shape {
  int64_t channels, groups, kernel;
};

TEST(FftGroupedConv, EqualsConv1dOverShapesAndLengths) {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  // The base model's positional convolution, a large model's, a small fixture's, and an
  // odd kernel.
  for (const Shape s : {Shape{768, 16, 128}, Shape{1024, 16, 128}, Shape{32, 16, 128}, Shape{24, 3, 33}}) {
    const auto w = torch::randn({s.channels, s.channels / s.groups, s.kernel}) / std::sqrt(s.kernel * 48.0);
    const auto b = torch::randn({s.channels});
    const FftGroupedConv fft(w, s.groups);
    // Shorter than the kernel, one block exactly, one over, several blocks.
    const int64_t hop = fft.fft_length() - s.kernel + 1;
    for (const int64_t frames : {int64_t{1}, int64_t{7}, hop, hop + 1, int64_t{3 * hop + 5}}) {
      const auto x = torch::randn({2, s.channels, frames});
      const auto ours = fft.Forward(x, b);
      ASSERT_EQ(ours.sizes(), x.sizes());
      EXPECT_LT(MaxDiff(ours, Conv1dSame(x, w, b, s.groups)), 1e-5)
          << s.channels << " channels, " << s.groups << " groups, kernel " << s.kernel << ", " << frames << " frames";
    }
    const auto x = torch::randn({1, s.channels, 50});
    EXPECT_LT(MaxDiff(fft.Forward(x, {}), Conv1dSame(x, w, {}, s.groups)), 1e-5) << "without a bias";
  }
}

TEST(FftGroupedConv, CacheFollowsTheWeight) {
  torch::NoGradGuard no_grad;
  auto w = torch::randn({32, 2, 128}) * 0.05;
  FftGroupedConvCache cache;
  const auto first = cache.For(w, 16);
  EXPECT_EQ(cache.For(w, 16), first) << "the same weight must not be transformed again";
  w.mul_(2);  // in place: same storage, new version
  const auto second = cache.For(w, 16);
  EXPECT_NE(second, first);
  const auto x = torch::randn({1, 32, 40});
  EXPECT_LT(MaxDiff(second->Forward(x, {}), Conv1dSame(x, w, {}, 16)), 1e-5);
}

TEST(FftGroupedConv, CacheTakesAWeightMadeUnderInferenceMode) {
  torch::InferenceMode inference;
  const auto w = torch::randn({32, 2, 128}) * 0.05;
  ASSERT_TRUE(w.is_inference());
  FftGroupedConvCache cache;
  const auto conv = cache.For(w, 16);
  EXPECT_EQ(cache.For(w, 16), conv);
  const auto x = torch::randn({1, 32, 40});
  EXPECT_LT(MaxDiff(conv->Forward(x, {}), Conv1dSame(x, w, {}, 16)), 1e-5);
}

// The module picks the FFT form only for frozen float32 CPU inference; with gradients
// it keeps conv1d, and both give the same frames.
TEST(FftGroupedConv, PositionalEmbeddingSameWithAndWithoutGradients) {
  torch::manual_seed(1);
  SpeechEncoderConfig config;
  config.hidden_size = 32;
  config.num_conv_pos_embeddings = 128;
  config.num_conv_pos_embedding_groups = 16;
  PositionalConvEmbedding embedding(config);
  const auto x = torch::randn({2, 90, 32});
  ASSERT_FALSE(embedding->UseFft(x.transpose(1, 2))) << "parameters require grad here";
  const auto direct = embedding->forward(x, {});
  torch::NoGradGuard no_grad;
  ASSERT_TRUE(embedding->UseFft(x.transpose(1, 2)));
  EXPECT_LT(MaxDiff(embedding->forward(x, {}), direct.detach()), 1e-5);
}

}  // namespace
}  // namespace merhan
