// BERT encoder parity with Hugging Face transformers (BertModel, eager, fp32):
//  - all-MiniLM-L6-v2 (real pretrained weights), padded batch of 5 texts:
//    |ours - HF| <= 1e-4 everywhere (fp32); bf16 within 0.1 of the fp32 reference
//    (printed); references by scripts/ref_bert.py;
//  - a tiny random BERT saved by scripts/make_tiny_bert.py as model.safetensors and
//    as pytorch_model.bin ("bert." prefix + MLM head): both load to identical
//    outputs, within 1e-5 of HF.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "merhan/io/npy.h"
#include "merhan/nn/bert.h"
#include "merhan/util/error.h"
#include "shared_generated_dir.h"
#include "test_util.h"

namespace merhan {
namespace {

torch::Tensor LoadNpy(const std::string& path) {
  NpyArray a = ReadNpyFloat(path);
  return torch::from_blob(a.data.data(), a.shape, torch::kFloat32).clone();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Our tokenizer + encoder on the reference's texts; checks the ids match HF's.
torch::Tensor RunOurs(TextEncoder& enc, const std::string& ref_dir) {
  const auto batch = enc.tokenizer->EncodeBatch(ReadLines(ref_dir + "/texts.txt"), 128);
  const auto hf_ids = LoadNpy(ref_dir + "/input_ids.npy").to(torch::kLong);
  torch::NoGradGuard no_grad;
  const BertOutput out = enc.model->Encode(batch);
  EXPECT_TRUE(torch::equal(torch::stack({torch::tensor(batch[0].input_ids)}), hf_ids.slice(0, 0, 1)));
  auto ids = torch::empty_like(hf_ids);
  for (size_t i = 0; i < batch.size(); ++i) ids[static_cast<int64_t>(i)] = torch::tensor(batch[i].input_ids);
  EXPECT_TRUE(torch::equal(ids, hf_ids)) << "token ids differ from HF's";
  return out.last_hidden_state.to(torch::kFloat32);
}

TEST(BertParity, MiniLmMatchesTransformersOnAPaddedBatch) {
  testing::TempDir dir;
  const auto r =
      testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() + "/scripts/ref_bert.py --model-dir " +
                          ResolveModelDir("minilm") + " --out-dir " + dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto ref = LoadNpy(dir.File("last_hidden_state.npy"));
  ASSERT_EQ(ref.size(0), 5);
  ASSERT_LT(LoadNpy(dir.File("attention_mask.npy")).sum().item<float>(), ref.size(0) * ref.size(1))
      << "the reference batch should contain padding";

  TextOptions options;
  options.model_dir = "minilm";
  TextEncoder enc = LoadBertEncoder(options);
  EXPECT_TRUE(enc.report.missing.empty()) << enc.report.ToString();
  EXPECT_TRUE(enc.report.unexpected.empty()) << enc.report.ToString();
  const auto ours = RunOurs(enc, dir.path());
  ASSERT_EQ(ours.sizes(), ref.sizes());
  const float err = (ours - ref).abs().max().item<float>();
  std::cout << "[parity] MiniLM fp32 max |ours - HF| = " << err << " over " << ref.numel() << " values\n";
  EXPECT_LE(err, 1e-4f);

  options.dtype = "bf16";
  TextEncoder bf = LoadBertEncoder(options);
  EXPECT_EQ(bf.model->embeddings->word_embeddings->weight.scalar_type(), torch::kBFloat16);
  const auto ours_bf = RunOurs(bf, dir.path());
  const float err_bf = (ours_bf - ref).abs().max().item<float>();
  const float mean_bf = (ours_bf - ref).abs().mean().item<float>();
  std::cout << "[parity] MiniLM bf16 max |ours - HF fp32| = " << err_bf << ", mean " << mean_bf << "\n";
  EXPECT_LE(mean_bf, 0.05f);
  EXPECT_LE(err_bf, 0.5f);
}

class TinyBert : public ::testing::Test {
 protected:
  // ctest runs each test in its own process: the model is made once per build
  // (importing transformers costs seconds), and only read here.
  static void SetUpTestSuite() {
    dir_ = new Dir{testing::SharedGeneratedDir("test-generated", "tiny-bert", "scripts/make_tiny_bert.py",
                                               "--vocab-dir " + testing::Quote(ResolveModelDir("minilm")))};
    ASSERT_FALSE(dir_->root.empty());
  }
  static void TearDownTestSuite() { delete dir_; }
  struct Dir {
    std::string root;
    std::string File(const std::string& name) const { return root + "/" + name; }
  };
  static Dir* dir_;
};
TinyBert::Dir* TinyBert::dir_ = nullptr;

TEST_F(TinyBert, SafetensorsAndBinLoadToIdenticalOutputsMatchingTransformers) {
  TextOptions options;
  options.model_dir = dir_->File("safetensors");
  TextEncoder st = LoadBertEncoder(options);
  options.model_dir = dir_->File("bin");
  TextEncoder bin = LoadBertEncoder(options);
  // The .bin has the "bert." prefix and an MLM head: set aside, not unexpected.
  EXPECT_TRUE(bin.report.unexpected.empty()) << bin.report.ToString();
  EXPECT_EQ(bin.report.ignored, std::vector<std::string>{"cls.predictions.bias"});
  EXPECT_TRUE(st.report.missing.empty()) << st.report.ToString();
  const auto a = RunOurs(st, dir_->File("reference"));
  const auto b = RunOurs(bin, dir_->File("reference"));
  EXPECT_TRUE(torch::equal(a, b));
  const auto ref = LoadNpy(dir_->File("reference/last_hidden_state.npy"));
  const float err = (a - ref).abs().max().item<float>();
  std::cout << "[parity] tiny BERT max |ours - HF| = " << err << "\n";
  EXPECT_LE(err, 1e-5f);
}

TEST_F(TinyBert, FreezeLeavesOnlyTheTopLayersTrainable) {
  TextOptions options;
  options.model_dir = dir_->File("safetensors");
  options.trainable_layers = 1;
  TextEncoder enc = LoadBertEncoder(options);
  for (const auto& p : enc.model->named_parameters()) {
    EXPECT_EQ(p.value().requires_grad(), p.key().rfind("encoder.layer.1.", 0) == 0) << p.key();
  }
  enc.model->Freeze(0);
  for (const auto& p : enc.model->parameters()) EXPECT_FALSE(p.requires_grad());
  enc.model->Freeze(2);
  for (const auto& p : enc.model->named_parameters()) {
    EXPECT_EQ(p.value().requires_grad(), p.key().rfind("pooler.", 0) != 0) << p.key();
  }
}

TEST_F(TinyBert, MissingFilesAndTensorsAreDataErrorsNamingThem) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  fs::copy(dir_->File("safetensors"), dir.path(), fs::copy_options::recursive);
  fs::remove(dir.File("model.safetensors"));
  fs::remove(dir.File("vocab.txt"));
  TextOptions options;
  options.model_dir = dir.path();
  try {
    LoadBertEncoder(options);
    FAIL();
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(dir.path()), std::string::npos) << msg;
    EXPECT_NE(msg.find("vocab.txt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model.safetensors or pytorch_model.bin"), std::string::npos) << msg;
  }
  // A checkpoint without the embeddings.
  fs::copy(dir_->File("safetensors/vocab.txt"), dir.File("vocab.txt"));
  StateDict full = LoadSafetensors(dir_->File("safetensors/model.safetensors"));
  BertModel model(BertConfig::FromJson(dir.File("config.json")));
  StateDict partial(dir.File("x.safetensors"));
  for (const auto& [k, v] : full.tensors()) {
    if (k.rfind("embeddings.word_embeddings", 0) != 0) partial.Set(k, v);
  }
  try {
    LoadBertWeights(*model, partial);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("embeddings.word_embeddings.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace merhan
