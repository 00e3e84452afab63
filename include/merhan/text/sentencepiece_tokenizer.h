// SentencePiece (unigram or BPE .model) behind the Tokenizer interface, with the
// HF id convention of the model family that config.json / tokenizer_config.json name:
//  - xlm-roberta / XLMRobertaTokenizer (sentencepiece.bpe.model): fairseq ids
//    (<s>=0 <pad>=1 </s>=2 <unk>=3, every other piece shifted by one),
//    <s> A </s></s> B </s>, token types all 0;
//  - otherwise (ALBERT-like, spm_train models): ids are SentencePiece's own;
//    CLS/SEP are the "[CLS]"/"[SEP]" pieces when the model has them, else its
//    bos/eos; pad is its pad piece (or 0).
#pragma once

#include <memory>
#include <string>

#include "merhan/text/sentencepiece_model.h"
#include "merhan/text/tokenizer.h"

namespace merhan {

class SentencePieceTokenizer : public Tokenizer {
 public:
  enum class Family { kGeneric, kXlmRoberta };

  SentencePieceTokenizer(const std::string& model_path, Family family, int model_max_length = 512);

  void TokenizeToIds(std::string_view text, std::vector<int64_t>* ids) const override;
  std::string IdToToken(int64_t id) const override;
  int64_t VocabSize() const override;
  std::string Describe() const override;

  const SentencePieceModel& model() const { return *model_; }

 private:
  std::unique_ptr<SentencePieceModel> model_;
  std::string path_;
  Family family_;
};

}  // namespace merhan
