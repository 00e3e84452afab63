// Training batches (feature cache -> Batcher) and inference batches (`merhan eval`,
// `predict`: extractors -> MakeInferenceBatch) go through one Collate: the same
// utterances give the same tensors, bit for bit, on both paths (docs/design.md,
// "Feature streams"). Real MFCC, the MiniLM encoder and its tokenizer on the manifest
// fixture's four wavs and transcripts.
#include <gtest/gtest.h>

#include "merhan/data/corpus.h"
#include "merhan/runtime/corpus_source.h"
#include "merhan/runtime/inference.h"
#include "test_util.h"

namespace merhan {
namespace {

struct Paths {
  Batch training, inference;
};

Paths BothPaths(int trainable_layers, testing::TempDir& dir) {
  ExperimentConfig config;
  config.data.format = "manifest";
  config.data.manifest = testing::FixtureDir() + "/data/manifest/manifest.csv";
  config.data.classes = {"joy", "anger", "neutral", "surprise"};
  config.data.merge = nlohmann::json::object();
  config.data.cache_dir = dir.path();
  config.data.cache_threads = 1;
  config.text.model_dir = "minilm";
  config.text.max_length = 16;
  config.text.trainable_layers = trainable_layers;
  config.train.batch_size = 8;
  config.train.bucket = false;  // evaluation order = manifest order
  config.train.num_workers = 0;
  Paths p;
  auto source = MakeManifestSource(config, config.data.classes, config.data.manifest);
  int batches = 0;
  source->ForEachBatch(0, [&](const Batch& b) {
    p.training = b;
    ++batches;
  });
  EXPECT_EQ(batches, 1);
  std::vector<InferenceInput> inputs;
  for (const Utterance& u : ReadCorpus(config.data).utterances) inputs.push_back({u.id, u.wav_path, u.text});
  p.inference = MakeInferenceBatch(config, inputs);
  return p;
}

void ExpectSame(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
  ASSERT_EQ(a.defined(), b.defined()) << what;
  if (!a.defined()) return;
  EXPECT_EQ(a.scalar_type(), b.scalar_type()) << what;
  EXPECT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_TRUE(torch::equal(a, b)) << what;
}

TEST(CollatePaths, FrozenEncoderTrainingAndInferenceBatchesAreIdentical) {
  testing::TempDir dir;
  const Paths p = BothPaths(0, dir);
  ASSERT_EQ(p.training.ids, p.inference.ids);
  ASSERT_EQ(p.training.size(), 4);
  ExpectSame(p.training.audio, p.inference.audio, "audio");
  ExpectSame(p.training.audio_mask, p.inference.audio_mask, "audio_mask");
  ExpectSame(p.training.audio_lengths, p.inference.audio_lengths, "audio_lengths");
  ExpectSame(p.training.text, p.inference.text, "text");
  ExpectSame(p.training.text_mask, p.inference.text_mask, "text_mask");
  EXPECT_FALSE(p.training.input_ids.defined());
  // The fixture's wavs differ in length: padding and masks were exercised.
  EXPECT_LT(p.training.audio_mask.sum(1).min().item<int64_t>(), p.training.audio.size(1));
  EXPECT_EQ(p.inference.labels.eq(-1).all().item<bool>(), true);
}

TEST(CollatePaths, TokenIdsAreInt64AndIdenticalOnBothPaths) {
  testing::TempDir dir;
  const Paths p = BothPaths(1, dir);
  ASSERT_EQ(p.training.ids, p.inference.ids);
  ExpectSame(p.training.input_ids, p.inference.input_ids, "input_ids");
  ExpectSame(p.training.token_type_ids, p.inference.token_type_ids, "token_type_ids");
  ExpectSame(p.training.text_mask, p.inference.text_mask, "text_mask");
  EXPECT_EQ(p.training.input_ids.scalar_type(), torch::kInt64);
  EXPECT_FALSE(p.training.text.defined());
  // [CLS] = 101 in MiniLM's vocabulary opens every sequence.
  EXPECT_TRUE(p.training.input_ids.select(1, 0).eq(101).all().item<bool>());
}

}  // namespace
}  // namespace merhan
