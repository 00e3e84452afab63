// libFuzzer harness: `--set key=value` overrides (util/config_registry.cc ApplyOverride),
// one per input line, applied to the full config schema and validated as `merhan train
// --set ...` does. Any outcome but a valid config or a UsageError is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "fuzz_support.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  fuzz::QuietLogs();
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  ExperimentConfig config;
  ConfigRegistry registry;
  config.Register(&registry);
  try {
    for (std::string line; std::getline(lines, line);) registry.ApplyOverride(line);
    config.Validate();
    if (ExperimentConfig::FromJson(config.ToJson(), "round trip").ToJson() != config.ToJson()) std::abort();
  } catch (const UsageError&) {
  }
  return 0;
}
