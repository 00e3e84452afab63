// libFuzzer harness: SentencePiece model loading (text/tokenizer.cc LoadTokenizer,
// text/sentencepiece_tokenizer.cc, the plugin of text/plugin/): parts "spiece.model =====
// tokenizer_config.json ===== text" (separated by lines "====="). The model is loaded
// and encodes the text. Any outcome but ids inside the vocabulary or a DataError is a bug.
// libsentencepiece itself is Debian's, not instrumented: this checks our side of it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  fuzz::QuietLogs();
  const auto parts = fuzz::SplitInput(data, size, 3);
  const std::string dir = fuzz::ScratchDir();
  fuzz::WriteOrRemove(dir + "/spiece.model", parts, 0);
  fuzz::WriteOrRemove(dir + "/tokenizer_config.json", parts, 1);
  try {
    const auto tokenizer = LoadTokenizer(dir);
    const Encoding e = tokenizer->Encode(parts.size() > 2 ? parts[2] : "Hello, world! Naïve café 123.", 64);
    if (e.input_ids.size() > 64 || e.attention_mask.size() != e.input_ids.size()) std::abort();
    for (int64_t id : e.input_ids) {
      if (id < 0 || id >= tokenizer->VocabSize()) std::abort();
    }
  } catch (const DataError&) {
  }
  return 0;
}
