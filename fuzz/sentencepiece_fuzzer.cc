// libFuzzer harness: SentencePiece model loading (text/tokenizer.cc LoadTokenizer,
// text/sentencepiece_tokenizer.cc, the plugin of text/plugin/): parts "spiece.model =====
// tokenizer_config.json ===== text" (separated by lines "====="), checked by
// tokenizer_fuzz.h. libsentencepiece itself is Debian's, not instrumented: this checks
// our side of it.
#include <cstddef>
#include <cstdint>

#include "tokenizer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  merhan::fuzz::FuzzTokenizerFolder(data, size, "spiece.model");
  return 0;
}
