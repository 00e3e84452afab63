// What the two tokenizer-folder harnesses share: the input "model file =====
// tokenizer_config.json ===== text" becomes a tokenizer folder, which is loaded and
// encodes the text. Any outcome but ids inside the vocabulary or a DataError is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/error.h"

namespace merhan::fuzz {

// `model_file` is the name the tokenizer's model has in its folder (vocab.txt, spiece.model).
inline void FuzzTokenizerFolder(const uint8_t* data, size_t size, const std::string& model_file) {
  QuietLogs();
  const auto parts = SplitInput(data, size, 3);
  const std::string dir = ScratchDir();
  WriteOrRemove(dir + "/" + model_file, parts, 0);
  WriteOrRemove(dir + "/tokenizer_config.json", parts, 1);
  try {
    const auto tokenizer = LoadTokenizer(dir);
    const Encoding e = tokenizer->Encode(parts.size() > 2 ? parts[2] : "Hello, world! Naïve café 123.", 64);
    if (e.input_ids.size() > 64 || e.attention_mask.size() != e.input_ids.size()) std::abort();
    for (int64_t id : e.input_ids) {
      if (id < 0 || id >= tokenizer->VocabSize()) std::abort();
    }
  } catch (const DataError&) {
  }
}

}  // namespace merhan::fuzz
