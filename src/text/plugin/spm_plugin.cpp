// merhan_spm_plugin.so: libsentencepiece behind a C interface (see spm_plugin_abi.h).
#include <sentencepiece_processor.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "merhan/text/spm_plugin_abi.h"

namespace {

void CopyError(const std::string& msg, char* err, size_t err_len) {
  if (!err || err_len == 0) return;
  std::strncpy(err, msg.c_str(), err_len - 1);
  err[err_len - 1] = '\0';
}

// Runs `call` (a libsentencepiece call returning its status) and reports its failure in
// `err`. libsentencepiece reports most failures through its status, but some throw (its
// trie builder on a model with a zero-length piece): no exception may cross this C
// interface, so an exception is reported like a failed status.
template <class Call>
bool Guarded(Call&& call, char* err, size_t err_len) {
  try {
    const auto status = call();
    if (status.ok()) return true;
    CopyError(status.ToString(), err, err_len);
  } catch (const std::exception& e) {
    CopyError(e.what(), err, err_len);
  } catch (...) {
    CopyError("libsentencepiece raised an unknown exception", err, err_len);
  }
  return false;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* merhan_spm_load(const char* model_path, char* err, size_t err_len) {
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp;
  const bool ok = Guarded(
      [&] {
        sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
        return sp->Load(model_path);
      },
      err, err_len);
  return ok ? sp.release() : nullptr;
}

__attribute__((visibility("default"))) int merhan_spm_encode(void* handle, const char* text, size_t text_len, int* ids,
                                                             int max_ids, char* err, size_t err_len) {
  auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  std::vector<int> out;
  // With the length: text may hold NUL characters (the Python package encodes them).
  if (!Guarded([&] { return sp->Encode(std::string(text, text_len), &out); }, err, err_len)) return -1;
  for (int i = 0; i < static_cast<int>(out.size()) && i < max_ids; ++i) ids[i] = out[i];
  return static_cast<int>(out.size());
}

__attribute__((visibility("default"))) int merhan_spm_vocab_size(void* handle) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

__attribute__((visibility("default"))) const char* merhan_spm_id_to_piece(void* handle, int id) {
  auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  if (id < 0 || id >= sp->GetPieceSize()) return nullptr;
  return sp->IdToPiece(id).c_str();
}

__attribute__((visibility("default"))) int merhan_spm_piece_to_id(void* handle, const char* piece) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->PieceToId(piece);
}

__attribute__((visibility("default"))) int merhan_spm_special_id(void* handle, int which) {
  auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  switch (which) {
    case 0: return sp->unk_id();
    case 1: return sp->bos_id();
    case 2: return sp->eos_id();
    case 3: return sp->pad_id();
    default: return -1;
  }
}

__attribute__((visibility("default"))) void merhan_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}
}
