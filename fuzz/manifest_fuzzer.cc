// libFuzzer harness: corpus manifests (data/manifest_reader.cc). The first byte picks
// the format (bit 0: CSV or JSONL) and data.skip_bad (bit 1); the rest is written as
// the manifest next to wavs/a.wav and wavs/b.wav. Any outcome but a corpus whose rows
// keep the reader's promises or a DataError is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "merhan/data/manifest_reader.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  if (size == 0) return 0;
  fuzz::QuietLogs();
  const std::string dir = fuzz::ScratchDir();
  static const bool wavs = [&] {
    std::filesystem::create_directories(dir + "/wavs");
    fuzz::WriteFile(dir + "/wavs/a.wav", "");
    fuzz::WriteFile(dir + "/wavs/b.wav", "");
    return true;
  }();
  (void)wavs;
  const std::string path = dir + ((data[0] & 1) ? "/m.jsonl" : "/m.csv");
  fuzz::WriteFile(path, std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  DataOptions options;
  options.format = "manifest";
  options.skip_bad = (data[0] & 2) != 0;
  try {
    const Corpus corpus = ReadManifest(path, options);
    for (const auto& u : corpus.utterances) {
      if (u.id.empty() || u.speaker.empty() || u.label < 0 || u.origin.empty()) std::abort();
    }
  } catch (const DataError&) {
  }
  return 0;
}
