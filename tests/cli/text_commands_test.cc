// `merhan tokenize` and `merhan embed-text` end to end. embed-text on the
// all-MiniLM-L6-v2 directory must match HF transformers within 1e-4 (reference
// by scripts/ref_bert.py); a directory lacking vocab.txt or weights exits 3
// naming the directory and the files expected.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "merhan/io/npy.h"
#include "merhan/text/tokenizer.h"
#include "test_util.h"

namespace merhan {
namespace {

std::string Merhan(const std::string& args) { return testing::MerhanBinary() + " " + args + " 2>&1"; }

TEST(TokenizeCommand, PrintsHfIdsAsJson) {
  const auto r = testing::RunCommand(Merhan("tokenize --model-dir minilm --text 'Hello, WORLD! [MASK]'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  // BertTokenizerFast(all-MiniLM-L6-v2)("Hello, WORLD! [MASK]").input_ids
  EXPECT_EQ(j["input_ids"].get<std::vector<int64_t>>(), (std::vector<int64_t>{101, 7592, 1010, 2088, 999, 103, 102}));
  EXPECT_EQ(j["tokens"][1], "hello");
  EXPECT_EQ(j["attention_mask"].size(), 7u);
  const auto t = testing::RunCommand(Merhan("tokenize --model-dir minilm --text 'a b c d e' --max-length 4"));
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_EQ(nlohmann::json::parse(t.output.substr(t.output.find('{')))["input_ids"].size(), 4u);
}

TEST(TokenizeCommand, MissingVocabularyExitsThreeNamingTheFiles) {
  testing::TempDir dir;
  const auto r = testing::RunCommand(Merhan("tokenize --model-dir " + dir.path() + " --text hi"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(dir.path()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("vocab.txt"), std::string::npos) << r.output;
}

TEST(EmbedTextCommand, MiniLmMatchesTransformersWithin1e4) {
  testing::TempDir dir;
  const std::string a = "Excuse me, is this the line?", b = "Wow. Very promising.";
  const auto ref = testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() +
                                       "/scripts/ref_bert.py --model-dir " + ResolveModelDir("minilm") + " --out-dir " +
                                       dir.File("ref") + " --text '" + a + "' --text '" + b + "'");
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const auto r = testing::RunCommand(
      Merhan("embed-text --model-dir minilm --text '" + a + "' --text '" + b + "' --out " + dir.File("h.npy")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  NpyArray ours = ReadNpyFloat(dir.File("h.npy"));
  NpyArray hf = ReadNpyFloat(dir.File("ref/last_hidden_state.npy"));
  ASSERT_EQ(ours.shape, hf.shape);
  ASSERT_EQ(ours.shape.size(), 3u);
  EXPECT_EQ(ours.shape[2], 384);
  float err = 0;
  for (size_t i = 0; i < ours.data.size(); ++i) err = std::max(err, std::abs(ours.data[i] - hf.data[i]));
  std::cout << "[parity] embed-text MiniLM max |ours - HF| = " << err << "\n";
  EXPECT_LE(err, 1e-4f);
}

TEST(EmbedTextCommand, DirectoryWithoutWeightsExitsThree) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  const std::string minilm = ResolveModelDir("minilm");
  for (const char* f : {"config.json", "vocab.txt", "tokenizer_config.json"}) fs::copy(minilm + "/" + f, dir.File(f));
  const auto r =
      testing::RunCommand(Merhan("embed-text --model-dir " + dir.path() + " --text hi --out " + dir.File("h.npy")));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(dir.path()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("model.safetensors or pytorch_model.bin"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.File("h.npy")));
}

}  // namespace
}  // namespace merhan
