// libFuzzer harness: config files with "extends" (util/config_registry.cc LoadConfigChain,
// runtime/experiment_config.cc). The input is up to three files a.json, b.json, c.json
// (parts separated by a line "=====") in one scratch folder; a.json is loaded as
// `merhan train --config a.json` loads it, so "extends" may name b.json, c.json, a.json
// itself (a cycle), a missing file or a folder. Any outcome but a valid config or a
// UsageError/DataError is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  fuzz::QuietLogs();
  const auto parts = fuzz::SplitInput(data, size, 3);
  const std::string dir = fuzz::ScratchDir();
  const char* names[] = {"a.json", "b.json", "c.json"};
  for (size_t i = 0; i < 3; ++i) fuzz::WriteOrRemove(dir + "/" + names[i], parts, i);
  try {
    const ExperimentConfig config = ExperimentConfig::Load(dir + "/a.json", {});
    // A loaded config must survive its own round trip (checkpoints store it so).
    if (ExperimentConfig::FromJson(config.ToJson(), "round trip").ToJson() != config.ToJson()) std::abort();
  } catch (const UsageError&) {
  } catch (const DataError&) {
  }
  return 0;
}
