// libFuzzer harness: .npy reading (io/npy.cc ParseNpyFloat). Any input either parses
// into an array whose shape matches its data or is a DataError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "merhan/io/npy.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace merhan;
  try {
    const NpyArray a = ParseNpyFloat(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    uint64_t count = 1;
    for (int64_t d : a.shape) {
      if (d < 0) std::abort();
      count *= static_cast<uint64_t>(d);
    }
    if (count != a.data.size()) std::abort();
  } catch (const DataError&) {
  }
  return 0;
}
