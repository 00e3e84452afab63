// libFuzzer harness: checkpoint metadata (runtime/checkpoint_meta.cc), the JSON a
// checkpoint stores about itself, and the resolved config inside it
// (ExperimentConfig::FromJson, as eval and predict rebuild the run's config). Any
// outcome but metadata that survives its round trip, or a DataError/UsageError, is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "merhan/runtime/checkpoint_meta.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  fuzz::QuietLogs();
  try {
    const CheckpointMeta m = CheckpointMeta::Parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ckpt");
    if (CheckpointMeta::FromJson(m.ToJson(), "round trip").ToJson() != m.ToJson()) std::abort();
    ExperimentConfig::FromJson(m.config, "fuzz.ckpt");
  } catch (const DataError&) {
  } catch (const UsageError&) {
  }
  return 0;
}
