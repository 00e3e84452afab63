// libFuzzer harness: WordPiece vocab.txt (text/vocabulary.cc). Any input either loads
// (every token found under its own id or a later duplicate's) or is a DataError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "merhan/text/vocabulary.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  fuzz::QuietLogs();
  const std::string path = fuzz::ScratchDir() + "/vocab.txt";
  fuzz::WriteFile(path, std::string(reinterpret_cast<const char*>(data), size));
  try {
    const Vocabulary v = Vocabulary::Load(path);
    for (int64_t id = 0; id < v.size(); ++id) {
      if (v.Find(v.Token(id)) < id) std::abort();
    }
  } catch (const DataError&) {
  }
  return 0;
}
