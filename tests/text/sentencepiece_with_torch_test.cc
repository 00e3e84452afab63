// Trap T1 (docs/design.md §6): libsentencepiece bundles protobuf-lite, LibTorch may bring
// its own. This test trains a real SentencePiece model with spm_train, loads it
// and runs a LibTorch op in the same process; a clash would crash it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "merhan/text/sentencepiece_model.h"
#include "test_util.h"

namespace merhan {
namespace {

TEST(TrapT1, SentencePieceAndLibTorchInOneProcess) {
  testing::TempDir dir;
  {
    std::ofstream corpus(dir.File("corpus.txt"));
    for (int i = 0; i < 200; ++i) {
      corpus << "excuse me, is this the line for the forms " << i << "\n"
             << "I am so happy about the news today\n"
             << "why did you do that, I am really angry\n";
    }
  }
  const auto train = testing::RunCommand("spm_train --input=" + dir.File("corpus.txt") +
                                         " --model_prefix=" + dir.File("m") + " --vocab_size=60 --model_type=unigram");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  torch::Tensor before = torch::ones({2, 2}).matmul(torch::ones({2, 2}));
  SentencePieceModel sp(dir.File("m.model"));
  const auto ids = sp.Encode("I am so happy");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(sp.VocabSize(), 60);
  // LibTorch still works after sentencepiece (and its protobuf) initialised.
  torch::Tensor t = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).to(torch::kFloat);
  EXPECT_FLOAT_EQ(before.sum().item<float>(), 8.0f);
  EXPECT_GT(t.sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace merhan
