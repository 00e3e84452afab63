// NumPy .npy files (format 1.0, little-endian, C order), written atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merhan {

// Writes a float32 array of `shape` (row-major `data`) to `path`.
void WriteNpyFloat32(const std::string& path, const std::vector<int64_t>& shape, const float* data);

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;  // converted to float32 from f2/f4/f8
};

// Reads a float16, float32 or float64 .npy (C order, little-endian); DataError naming
// the file when it is not one or is truncated.
NpyArray ReadNpyFloat(const std::string& path);
// The same from the file's bytes; `origin` names it in errors.
NpyArray ParseNpyFloat(const std::string& bytes, const std::string& origin);

// NumPy refuses headers longer than this by default (numpy.lib.format, max_header_size);
// so do we, which also bounds the regex work on a hostile header.
inline constexpr size_t kNpyMaxHeaderBytes = 10000;

}  // namespace merhan
