// WordPiece with the behaviour of HF BertTokenizerFast (tokenizers' BertNormalizer,
// BertPreTokenizer, WordPiece model, BERT template): text cleaning, CJK spacing,
// optional lower-casing and accent stripping, punctuation splitting, special tokens
// in the text kept whole, greedy longest-match-first with "##".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "merhan/text/tokenizer.h"
#include "merhan/text/vocabulary.h"

namespace merhan {

struct WordPieceOptions {
  bool lower_case = true;
  std::optional<bool> strip_accents;  // unset: follows lower_case (HF)
  bool tokenize_chinese_chars = true;
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
  std::vector<std::string> extra_special_tokens;  // additional_special_tokens
  int max_input_chars_per_word = 100;
  int model_max_length = 512;

  // Reads tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars,
  // *_token, additional_special_tokens, model_max_length); absent keys keep the
  // BertTokenizer defaults. DataError naming the file if it is not valid JSON.
  static WordPieceOptions FromTokenizerConfig(const std::string& path);
};

class WordPieceTokenizer : public Tokenizer {
 public:
  // DataError naming vocab.txt when a special token of `options` is missing from it.
  WordPieceTokenizer(Vocabulary vocab, WordPieceOptions options);

  void TokenizeToIds(std::string_view text, std::vector<int64_t>* ids) const override;
  std::string IdToToken(int64_t id) const override;
  int64_t VocabSize() const override { return vocab_.size(); }
  std::string Describe() const override;

  const WordPieceOptions& options() const { return options_; }

 private:
  void TokenizeSegment(std::string_view text, std::vector<int64_t>* ids) const;
  void WordToIds(const char32_t* begin, const char32_t* end, std::vector<int64_t>* ids) const;

  Vocabulary vocab_;
  WordPieceOptions options_;
  bool strip_accents_;
  int64_t unk_id_;
  std::vector<std::pair<std::string, int64_t>> specials_;  // matched whole in raw text, longest first
  std::string special_first_bytes_;
  // Continuation pieces ("##x") by their text without the prefix, so lookups
  // need no string building.
  std::unordered_map<std::string_view, int64_t> continuations_;
  size_t max_piece_bytes_ = 0;
};

}  // namespace merhan
