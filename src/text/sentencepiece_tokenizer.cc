#include "merhan/text/sentencepiece_tokenizer.h"

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {
// fairseq's dictionary puts four specials first; SentencePiece's <unk>=0, <s>=1,
// </s>=2 then move up by one (HF XLMRobertaTokenizer.fairseq_offset).
constexpr int64_t kFairseqOffset = 1;
constexpr int64_t kFairseqBos = 0, kFairseqPad = 1, kFairseqEos = 2, kFairseqUnk = 3;
}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path, Family family, int model_max_length)
    : model_(std::make_unique<SentencePieceModel>(model_path)), path_(model_path), family_(family) {
  model_max_length_ = model_max_length;
  if (family_ == Family::kXlmRoberta) {
    template_ = {kFairseqBos, kFairseqEos, kFairseqPad, /*double_sep_between_pair=*/true, /*second type*/ 0};
    return;
  }
  const int64_t cls_piece = model_->PieceToId("[CLS]");
  const int64_t sep_piece = model_->PieceToId("[SEP]");
  const int64_t unk = model_->UnkId();
  const bool has_cls_sep = cls_piece != unk && sep_piece != unk && cls_piece >= 0 && sep_piece >= 0;
  template_.cls_id = has_cls_sep ? cls_piece : model_->BosId();
  template_.sep_id = has_cls_sep ? sep_piece : model_->EosId();
  template_.pad_id = model_->PadId() >= 0 ? model_->PadId() : 0;
  template_.second_segment_type_id = 1;
  if (template_.cls_id < 0 || template_.sep_id < 0) {
    throw DataError(model_path + ": SentencePiece model has neither [CLS]/[SEP] pieces nor bos/eos ids");
  }
}

void SentencePieceTokenizer::TokenizeToIds(std::string_view text, std::vector<int64_t>* ids) const {
  const std::vector<int> pieces = model_->Encode(std::string(text));
  if (family_ == Family::kXlmRoberta) {
    const int unk = model_->UnkId();
    for (int p : pieces) ids->push_back(p == unk ? kFairseqUnk : p + kFairseqOffset);
  } else {
    ids->insert(ids->end(), pieces.begin(), pieces.end());
  }
}

std::string SentencePieceTokenizer::IdToToken(int64_t id) const {
  if (family_ == Family::kXlmRoberta) {
    switch (id) {
      case kFairseqBos: return "<s>";
      case kFairseqPad: return "<pad>";
      case kFairseqEos: return "</s>";
      case kFairseqUnk: return "<unk>";
      default:
        if (id - kFairseqOffset >= model_->VocabSize()) return "<mask>";
        return model_->IdToPiece(static_cast<int>(id - kFairseqOffset));
    }
  }
  return model_->IdToPiece(static_cast<int>(id));
}

int64_t SentencePieceTokenizer::VocabSize() const {
  // XLM-R: + <mask> at the end.
  return family_ == Family::kXlmRoberta ? model_->VocabSize() + kFairseqOffset + 1 : model_->VocabSize();
}

std::string SentencePieceTokenizer::Describe() const {
  return Cat("SentencePiece(", path_, ", vocab=", VocabSize(),
             family_ == Family::kXlmRoberta ? ", ids=fairseq/xlm-roberta" : ", ids=sentencepiece", ")");
}

}  // namespace merhan
