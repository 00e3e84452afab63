// Tokenizer unit behaviour: vocabulary file errors, tokenizer choice from the
// directory's files, special tokens, long words, padding. Expected ids are those
// HF BertTokenizerFast gives for all-MiniLM-L6-v2 (bert-base-uncased vocabulary).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "merhan/text/tokenizer.h"
#include "merhan/text/vocabulary.h"
#include "merhan/text/wordpiece_tokenizer.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

void Write(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(Vocabulary, MalformedFilesAreDataErrorsNamingFileAndLine) {
  testing::TempDir dir;
  Write(dir.File("crlf.txt"), "[PAD]\r\n[UNK]\r\n");
  EXPECT_NE(ErrorOf([&] { Vocabulary::Load(dir.File("crlf.txt")); }).find("crlf.txt:1: CRLF"), std::string::npos);
  Write(dir.File("blank.txt"), "[PAD]\n[UNK]\n\nfoo\n");
  EXPECT_NE(ErrorOf([&] { Vocabulary::Load(dir.File("blank.txt")); }).find("blank.txt:3: blank line"),
            std::string::npos);
  Write(dir.File("empty.txt"), "");
  EXPECT_NE(ErrorOf([&] { Vocabulary::Load(dir.File("empty.txt")); }).find("empty vocabulary"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { Vocabulary::Load(dir.File("absent.txt")); }).find("absent.txt"), std::string::npos);
  // A final newline is not a blank line.
  Write(dir.File("ok.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\n");
  const Vocabulary v = Vocabulary::Load(dir.File("ok.txt"));
  EXPECT_EQ(v.size(), 6);
  EXPECT_EQ(v.Find("##s"), 5);
  EXPECT_EQ(v.Find("nope"), -1);
}

TEST(Vocabulary, MissingSpecialTokenIsADataError) {
  testing::TempDir dir;
  Write(dir.File("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\nhello\n");
  const std::string msg = ErrorOf([&] { WordPieceTokenizer(Vocabulary::Load(dir.File("vocab.txt")), {}); });
  EXPECT_NE(msg.find("sep_token '[SEP]'"), std::string::npos) << msg;
}

TEST(LoadTokenizer, ChoosesFromTheDirectoryAndNamesExpectedFiles) {
  testing::TempDir dir;
  const std::string msg = ErrorOf([&] { LoadTokenizer(dir.path()); });
  EXPECT_NE(msg.find(dir.path() + ": no tokenizer found; expected vocab.txt (WordPiece) or "
                                  "spiece.model/sentencepiece.bpe.model (SentencePiece)"),
            std::string::npos)
      << msg;
  EXPECT_NE(ErrorOf([&] { LoadTokenizer(dir.File("nope")); }).find("not found"), std::string::npos);
  Write(dir.File("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##s\nworld\n,\n");
  Write(dir.File("tokenizer_config.json"), "{\"do_lower_case\": false, \"model_max_length\": 1e30}");
  const auto t = LoadTokenizer(dir.path());
  auto* wp = dynamic_cast<WordPieceTokenizer*>(t.get());
  ASSERT_NE(wp, nullptr);
  EXPECT_FALSE(wp->options().lower_case);
  EXPECT_EQ(t->model_max_length(), 512);  // the 1e30 "no limit" sentinel is ignored
  EXPECT_EQ(t->Encode("hellos, world Hello").input_ids, (std::vector<int64_t>{2, 5, 6, 8, 7, 1, 3}));
  Write(dir.File("tokenizer_config.json"), "{not json");
  EXPECT_NE(ErrorOf([&] { LoadTokenizer(dir.path()); }).find("tokenizer_config.json: not valid JSON"),
            std::string::npos);
}

// A model that libsentencepiece throws on instead of returning a status (a zero-length
// piece, found by the sentencepiece fuzzer): a DataError naming the file, not a crash.
TEST(LoadTokenizer, SentencePieceModelTheLibraryThrowsOnIsADataError) {
  const std::string input =
      testing::Slurp(testing::SourceDir() + "/fuzz/corpus/sentencepiece/regression-zero-length-piece");
  const size_t end = input.find("\n=====\n");
  ASSERT_NE(end, std::string::npos);
  testing::TempDir dir;
  Write(dir.File("spiece.model"), input.substr(0, end));
  const std::string msg = ErrorOf([&] { LoadTokenizer(dir.path()); });
  EXPECT_NE(msg.find(dir.File("spiece.model") + ": cannot load SentencePiece model: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("zero-length key"), std::string::npos) << msg;
}

TEST(WordPiece, BertBehaviourOnMiniLm) {
  const auto t = LoadTokenizer("minilm");
  // HF: tok("unaffable [MASK]") etc.
  EXPECT_EQ(t->Encode("Héllo [MASK]!").input_ids, (std::vector<int64_t>{101, 7592, 103, 999, 102}));
  EXPECT_EQ(t->Encode("[mask]").input_ids, (std::vector<int64_t>{101, 1031, 7308, 1033, 102}));
  EXPECT_EQ(t->Encode(std::string(101, 'a')).input_ids, (std::vector<int64_t>{101, 100, 102}));
  EXPECT_EQ(t->Encode("").input_ids, (std::vector<int64_t>{101, 102}));
  EXPECT_EQ(t->Encode("中文").tokens, (std::vector<std::string>{"[CLS]", "中", "文", "[SEP]"}));
  const auto pair = t->EncodePair("a b", "c");
  EXPECT_EQ(pair.token_type_ids, (std::vector<int64_t>{0, 0, 0, 0, 1, 1}));
  const auto batch = t->EncodeBatch({"a", "a b c"});
  ASSERT_EQ(batch[0].size(), batch[1].size());
  EXPECT_EQ(batch[0].attention_mask, (std::vector<int64_t>{1, 1, 1, 0, 0}));
  EXPECT_EQ(batch[0].input_ids.back(), 0);
  EXPECT_EQ(batch[0].tokens.back(), "[PAD]");
  EXPECT_THROW(t->Encode("x", 1), UsageError);
  // Invalid UTF-8 becomes U+FFFD, which cleaning removes.
  EXPECT_EQ(t->Encode("a\xff\xfe b").input_ids, (std::vector<int64_t>{101, 1037, 1038, 102}));
}

}  // namespace
}  // namespace merhan
