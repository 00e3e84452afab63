// SentencePiece tokenizer parity with the `sentencepiece` Python package
// (scripts/ref_sentencepiece.py) on unigram and BPE models trained here with
// spm_train on English text gathered by scripts/gather_english_text.py.
// Tolerance: identical ids on every line of 20k English lines + the Unicode stress set,
// framed by the model's bos/eos as CLS/SEP.
// Stated difference: Debian's libsentencepiece is 0.1.97, the Python package 0.2.3;
// on unigram models they break Viterbi ties differently ("iii" → "ii"+"i" vs
// "i"+"ii": the same pieces, so the same score, in another order). Such lines are
// counted apart: the same multiset of ids (hence the same Viterbi score) whose
// pieces, concatenated, spell the same text as the package's. Their share depends
// on the text gathered (installing Debian packages changes it: 0.2% to 0.5% seen),
// so it is reported, not bounded; any other difference fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "merhan/text/sentencepiece_tokenizer.h"
#include "merhan/text/tokenizer.h"
#include "test_util.h"

namespace merhan {
namespace {

using testing::ReadJsonLines;

// The pieces of spm_train's .vocab file ("piece<TAB>score" per line, in id order).
std::vector<std::string> ReadPieces(const std::string& vocab_path) {
  std::ifstream in(vocab_path);
  std::vector<std::string> pieces;
  for (std::string line; std::getline(in, line);) pieces.push_back(line.substr(0, line.find('\t')));
  return pieces;
}

// The text a segmentation spells: its pieces concatenated.
std::string Spell(const std::vector<std::string>& pieces, const std::vector<int64_t>& ids) {
  std::string text;
  for (int64_t id : ids) text += pieces.at(static_cast<size_t>(id));
  return text;
}

class SentencePieceParity : public ::testing::TestWithParam<std::string> {};

TEST_P(SentencePieceParity, IdsMatchTheSentencepiecePackage) {
  const std::string type = GetParam();
  testing::TempDir dir;
  const std::string py = testing::PythonBinary() + " " + testing::SourceDir() + "/scripts/";
  auto r = testing::RunCommand(py + "gather_english_text.py " + dir.File("en.jsonl") + " --lines 20000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = ReadJsonLines(dir.File("en.jsonl"));
  {
    std::ofstream corpus(dir.File("corpus.txt"));
    for (const auto& l : lines) corpus << l.get<std::string>() << "\n";
  }
  // Model directory as a user would bring it (tokenizer chosen from its files).
  const std::string model_dir = dir.File("model");
  std::filesystem::create_directories(model_dir);
  r = testing::RunCommand("spm_train --input=" + dir.File("corpus.txt") + " --model_prefix=" + model_dir +
                          "/spiece --vocab_size=2000 --model_type=" + type +
                          " --character_coverage=0.9995 --minloglevel=2 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto tokenizer = LoadTokenizer(model_dir);
  ASSERT_NE(dynamic_cast<const SentencePieceTokenizer*>(tokenizer.get()), nullptr) << tokenizer->Describe();

  const std::vector<std::string> pieces = ReadPieces(model_dir + "/spiece.vocab");
  ASSERT_GE(pieces.size(), 2000u);
  size_t compared = 0, mismatches = 0, ties = 0;
  std::string diffs;
  for (const std::string& input : {dir.File("en.jsonl"), testing::FixtureDir() + "/text/unicode_stress.jsonl"}) {
    r = testing::RunCommand(py + "ref_sentencepiece.py --model " + model_dir + "/spiece.model --input " + input +
                            " --output " + dir.File("ref.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto texts = ReadJsonLines(input);
    const auto refs = ReadJsonLines(dir.File("ref.jsonl"));
    ASSERT_EQ(texts.size(), refs.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<int64_t> expected = {refs[i]["bos"].get<int64_t>()};
      for (int64_t id : refs[i]["ids"].get<std::vector<int64_t>>()) expected.push_back(id);
      expected.push_back(refs[i]["eos"].get<int64_t>());
      const Encoding e = tokenizer->Encode(texts[i].get<std::string>(), 1 << 30);
      ++compared;
      if (e.input_ids == expected) continue;
      auto a = e.input_ids, b = expected;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a == b && Spell(pieces, e.input_ids) == Spell(pieces, expected)) {
        ++ties;
        continue;
      }
      if (++mismatches <= 3) {
        diffs += "\n  " + texts[i].dump() + "\n    ours " + nlohmann::json(e.input_ids).dump() + "\n    spm  " +
                 nlohmann::json(expected).dump();
      }
    }
  }
  std::cout << "[parity] SentencePiece " << type << ": " << compared << " lines, " << mismatches << " mismatches, "
            << ties << " equal-score tie orders (library 0.1.97 vs 0.2.3)\n";
  EXPECT_GE(compared, 24000u);
  EXPECT_EQ(mismatches, 0u) << diffs;
}

INSTANTIATE_TEST_SUITE_P(Types, SentencePieceParity, ::testing::Values("unigram", "bpe"));

}  // namespace
}  // namespace merhan
