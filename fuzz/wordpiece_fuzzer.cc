// libFuzzer harness: a WordPiece tokenizer directory (text/tokenizer.cc LoadTokenizer,
// text/wordpiece_tokenizer.cc): parts "vocab.txt ===== tokenizer_config.json ===== text"
// (separated by lines "====="), checked by tokenizer_fuzz.h.
#include <cstddef>
#include <cstdint>

#include "tokenizer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  merhan::fuzz::FuzzTokenizerFolder(data, size, "vocab.txt");
  return 0;
}
