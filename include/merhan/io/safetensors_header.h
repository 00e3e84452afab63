// The safetensors container without LibTorch: parses and validates the header
// (so the libFuzzer harness in fuzz/ can drive it), a separate step
// (io/safetensors.h) makes tensors.
//
// Layout: 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//  "__metadata__": {"k": "v"}}, then the data; offsets are relative to the data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace merhan {

enum class SafetensorsDtype { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

struct SafetensorsTensorInfo {
  std::string name;
  SafetensorsDtype dtype;
  std::string dtype_name;  // as written in the file
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data section
  uint64_t end = 0;
};

struct SafetensorsHeader {
  uint64_t data_offset = 0;  // 8 + header length
  uint64_t data_size = 0;
  std::vector<SafetensorsTensorInfo> tensors;  // sorted by begin offset
  std::map<std::string, std::string> metadata;
};

// Largest header we accept (the safetensors library's own limit is 100 MB).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100u << 20;

size_t SafetensorsDtypeSize(SafetensorsDtype dtype);

// Parses the header of a safetensors file whose first `available` bytes are at
// `bytes` and whose total size is `file_size` (available may be less when only
// the header was read). Checks: header length against the file size and the cap,
// JSON object, every entry's dtype/shape/offsets, offsets inside the data, sizes
// equal to shape x dtype size, and no holes or overlaps (the format requires the
// data to be covered exactly). Throws DataError naming `source` and the tensor.
SafetensorsHeader ParseSafetensorsHeader(const char* bytes, uint64_t available, uint64_t file_size,
                                         const std::string& source);

}  // namespace merhan
