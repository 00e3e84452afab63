// WordPiece parity with Hugging Face. References come from scripts/ref_tokenize.py
// (BertTokenizerFast = the tokenizers Rust library) run at test time on
//  - >= 100k lines of real English text gathered on this machine by
//    scripts/gather_english_text.py (Debian docs, man pages, licenses, Python sources);
//  - the committed Unicode stress set tests/fixtures/text/unicode_stress.jsonl
//    (scripts/make_unicode_stress.py);
//  - sentence pairs with truncation.
// Tolerance: ids must be identical on every line.
// Deliberate differences:
//  - from the slow BertTokenizerLegacy (counted, not asserted): we follow the fast
//    tokenizer, which keeps unassigned (Cn) code points, turns U+2028/U+2029 into
//    spaces and starts CJK extension E at U+2B920, where the slow one drops Cn,
//    keeps Zl/Zp, starts at U+2B820 and lower-cases a word-final Σ to ς (Python's
//    str.lower context rule; the fast tokenizer maps characters one by one);
//  - from the fast one: character classes come from utf8proc's current Unicode, the
//    fast tokenizer's from Unicode 8 era tables; lines with code points assigned
//    after Unicode 3.2 may differ (at most 1% of the stress set; 0 in the English text).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "merhan/text/tokenizer.h"
#include "merhan/text/wordpiece_tokenizer.h"
#include "test_util.h"

namespace merhan {
namespace {

using testing::ReadJsonLines;

// HF's backend does not truncate unless asked; our Encode() defaults to model_max_length.
constexpr int kNoTruncation = 1 << 30;

std::string MiniLmDir() { return ResolveModelDir("minilm"); }

std::string RefCommand(const std::string& args) {
  return testing::PythonBinary() + " " + testing::SourceDir() + "/scripts/ref_tokenize.py --model-dir " + MiniLmDir() +
         " " + args;
}

struct Comparison {
  size_t lines = 0;
  size_t mismatches = 0;
  // Mismatches on lines holding a code point assigned after Unicode 3.2: HF
  // tokenizers classifies characters (marks, punctuation, controls) with Unicode 8
  // era tables, we with utf8proc's current Unicode, so such characters (e.g.
  // U+11A8A SOYOMBO FINAL CONSONANT SIGN, Mn since Unicode 10) may split differently.
  size_t newer_unicode_mismatches = 0;
  std::string first_diffs;
};

Comparison CompareWithReference(const Tokenizer& tok, const std::string& texts_path, const std::string& ref_path,
                                bool pairs = false, int max_length = kNoTruncation) {
  const auto texts = ReadJsonLines(texts_path);
  const auto refs = ReadJsonLines(ref_path);
  EXPECT_EQ(texts.size(), refs.size());
  Comparison c;
  for (size_t i = 0; i < texts.size() && i < refs.size(); ++i) {
    const Encoding e = pairs
                           ? tok.EncodePair(texts[i][0].get<std::string>(), texts[i][1].get<std::string>(), max_length)
                           : tok.Encode(texts[i].get<std::string>(), max_length);
    const auto ids = refs[i]["ids"].get<std::vector<int64_t>>();
    const auto types = refs[i]["type_ids"].get<std::vector<int64_t>>();
    ++c.lines;
    if (e.input_ids != ids || e.token_type_ids != types) {
      if (refs[i].value("post_3_2", false)) {
        ++c.newer_unicode_mismatches;
        continue;
      }
      if (++c.mismatches <= 5) {
        c.first_diffs += "\n  line " + std::to_string(i + 1) + ": " + texts[i].dump() + "\n    ours " +
                         nlohmann::json(e.input_ids).dump() + "\n    HF   " + nlohmann::json(ids).dump();
      }
    }
  }
  return c;
}

class WordPieceParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tokenizer_ = LoadTokenizer("minilm").release(); }
  static void TearDownTestSuite() { delete tokenizer_; }
  static Tokenizer* tokenizer_;
};
Tokenizer* WordPieceParity::tokenizer_ = nullptr;

TEST_F(WordPieceParity, HundredThousandLinesOfEnglishMatchBertTokenizerFast) {
  testing::TempDir dir;
  const auto gather =
      testing::RunCommand(testing::PythonBinary() + " " + testing::SourceDir() + "/scripts/gather_english_text.py " +
                          dir.File("en.jsonl") + " --lines 120000");
  ASSERT_EQ(gather.exit_code, 0) << gather.output;
  const auto ref =
      testing::RunCommand(RefCommand("--input " + dir.File("en.jsonl") + " --output " + dir.File("ref.jsonl")));
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const Comparison c = CompareWithReference(*tokenizer_, dir.File("en.jsonl"), dir.File("ref.jsonl"));
  std::cout << "[parity] English lines compared: " << c.lines << ", mismatches: " << c.mismatches << " (+ "
            << c.newer_unicode_mismatches << " Unicode-version differences)\n";
  EXPECT_GE(c.lines, 100000u);
  EXPECT_EQ(c.mismatches, 0u) << c.first_diffs;
  EXPECT_EQ(c.newer_unicode_mismatches, 0u);
}

TEST_F(WordPieceParity, UnicodeStressSetMatchesBertTokenizerFast) {
  testing::TempDir dir;
  const std::string stress = testing::FixtureDir() + "/text/unicode_stress.jsonl";
  const auto ref = testing::RunCommand(RefCommand("--input " + stress + " --output " + dir.File("ref.jsonl")));
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const Comparison c = CompareWithReference(*tokenizer_, stress, dir.File("ref.jsonl"));
  std::cout << "[parity] Unicode stress lines compared: " << c.lines << ", mismatches: " << c.mismatches << " (+ "
            << c.newer_unicode_mismatches
            << " on lines with code points newer than Unicode 3.2: Unicode-version differences)\n";
  EXPECT_GE(c.lines, 4000u);
  EXPECT_EQ(c.mismatches, 0u) << c.first_diffs;
  // The 1000 random-code-point lines hit post-Unicode-8 characters; keep it rare.
  EXPECT_LE(c.newer_unicode_mismatches, c.lines / 100);

  // The slow tokenizer differs on purpose on a few lines (see the file comment);
  // report how many so that a change is visible.
  const auto slow =
      testing::RunCommand(RefCommand("--impl slow --input " + stress + " --output " + dir.File("slow.jsonl")));
  ASSERT_EQ(slow.exit_code, 0) << slow.output;
  const Comparison s = CompareWithReference(*tokenizer_, stress, dir.File("slow.jsonl"));
  std::cout << "[parity] vs slow BertTokenizerLegacy: " << s.mismatches + s.newer_unicode_mismatches << " of "
            << s.lines << " lines differ (deliberate: we follow the fast tokenizer)" << s.first_diffs << "\n";
}

TEST_F(WordPieceParity, TruncatedSentencePairsMatchLongestFirst) {
  testing::TempDir dir;
  const auto stress = ReadJsonLines(testing::FixtureDir() + "/text/unicode_stress.jsonl");
  {
    std::ofstream out(dir.File("pairs.jsonl"));
    for (size_t i = 0; i + 1 < stress.size() && i < 1200; i += 2) {
      out << nlohmann::json::array({stress[i], stress[i + 1]}).dump() << "\n";
    }
  }
  for (int max_length : {8, 17, 64}) {
    const auto ref =
        testing::RunCommand(RefCommand("--impl pair --max-length " + std::to_string(max_length) + " --input " +
                                       dir.File("pairs.jsonl") + " --output " + dir.File("ref.jsonl")));
    ASSERT_EQ(ref.exit_code, 0) << ref.output;
    const Comparison c =
        CompareWithReference(*tokenizer_, dir.File("pairs.jsonl"), dir.File("ref.jsonl"), true, max_length);
    EXPECT_EQ(c.mismatches, 0u) << "max_length " << max_length << c.first_diffs;
    EXPECT_LE(c.newer_unicode_mismatches, c.lines / 100);
  }
  // And single sequences truncated.
  const auto ref = testing::RunCommand(RefCommand("--max-length 9 --input " + testing::FixtureDir() +
                                                  "/text/unicode_stress.jsonl --output " + dir.File("ref9.jsonl")));
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const Comparison c = CompareWithReference(*tokenizer_, testing::FixtureDir() + "/text/unicode_stress.jsonl",
                                            dir.File("ref9.jsonl"), false, 9);
  EXPECT_EQ(c.mismatches, 0u) << c.first_diffs;
}

}  // namespace
}  // namespace merhan
