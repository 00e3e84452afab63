// libFuzzer harness: IEMOCAP EmoEvaluation label files (data/iemocap_files.cc). Any
// input either parses into lines that keep the parser's promises or is a DataError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "merhan/data/iemocap_files.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  try {
    const auto lines = ParseIemocapLabels(std::string(reinterpret_cast<const char*>(data), size), "fuzz.txt");
    size_t previous = 0;
    for (const auto& l : lines) {
      int session = 0;
      char gender = 0;
      std::string dialog;
      if (!SplitIemocapUtteranceId(l.id, &session, &gender, &dialog)) std::abort();
      if (!(l.end > l.start) || l.start < 0 || l.line <= previous) std::abort();
      previous = l.line;
    }
  } catch (const DataError&) {
  }
  return 0;
}
