// libFuzzer harness for the safetensors header parser (io/safetensors_header.cc,
// LibTorch-free). Any input must either parse into a consistent header or throw
// merhan::DataError; crashes, sanitizer reports and other exceptions are bugs.
//
//   cmake -S . -B build-fuzz -DMERHAN_BUILD_FUZZERS=ON ... && ninja -C build-fuzz safetensors_fuzzer
//   build-fuzz/safetensors_fuzzer -jobs=1 -max_total_time=600 fuzz/corpus/safetensors
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "merhan/io/safetensors_header.h"
#include "merhan/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto h = merhan::ParseSafetensorsHeader(reinterpret_cast<const char*>(data), size, size, "fuzz");
    // Invariants a successful parse promises.
    uint64_t covered = 0;
    for (const auto& t : h.tensors) {
      if (t.begin != covered || t.end < t.begin || h.data_offset + t.end > size) std::abort();
      covered = t.end;
    }
    if (covered != h.data_size || h.data_offset + h.data_size != size) std::abort();
  } catch (const merhan::DataError&) {
  }
  return 0;
}
