// libFuzzer harness: IEMOCAP transcription files (data/iemocap_files.cc). Any input
// either parses (ids that are utterance ids, trimmed texts) or is a DataError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "merhan/data/iemocap_files.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  try {
    const auto lines = ParseIemocapTranscripts(std::string(reinterpret_cast<const char*>(data), size), "fuzz.txt");
    for (const auto& [id, t] : lines) {
      int session = 0;
      char gender = 0;
      std::string dialog;
      if (!SplitIemocapUtteranceId(id, &session, &gender, &dialog) || t.line == 0) std::abort();
      if (!t.text.empty() && (t.text.front() == ' ' || t.text.back() == ' ')) std::abort();
    }
  } catch (const DataError&) {
  }
  return 0;
}
