#include "merhan/io/npy.h"

#include <c10/util/Half.h>

#include <cstring>
#include <numeric>
#include <regex>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"

namespace merhan {

void WriteNpyFloat32(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic(6) + version(2) + len(2) + header + '\n' must be a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  const int64_t count = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
  WriteFileAtomically(path, [&](std::ostream& out) {
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(len_bytes, 2);
    out.write(header.data(), header.size());
    out.write(reinterpret_cast<const char*>(data), count * sizeof(float));
  });
}

NpyArray ReadNpyFloat(const std::string& path) {
  const std::string bytes = ReadFileToString(path);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw DataError(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    if (bytes.size() < 12) throw DataError(path + ": truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  }
  if (offset + header_len > bytes.size()) throw DataError(path + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|]?)(f2|f4|f8)'"))) {
    throw DataError(path + ": only float16/float32/float64 .npy files are supported (header " + header + ")");
  }
  const size_t width = m[2] == "f8" ? 8 : m[2] == "f4" ? 4 : 2;
  if (m[1] == ">") throw DataError(path + ": big-endian .npy not supported");
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True"))) throw DataError(path + ": Fortran-order .npy not supported");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw DataError(path + ": .npy header has no shape");
  NpyArray a;
  const std::string dims = m[1];
  const std::regex digits("\\d+");
  std::sregex_iterator it(dims.begin(), dims.end(), digits), end;
  for (; it != end; ++it) a.shape.push_back(std::stoll(it->str()));
  const int64_t count = std::accumulate(a.shape.begin(), a.shape.end(), int64_t{1}, std::multiplies<int64_t>());
  const size_t data_bytes = count * width;
  if (offset + header_len + data_bytes > bytes.size()) throw DataError(path + ": truncated .npy data");
  a.data.resize(count);
  const char* p = bytes.data() + offset + header_len;
  if (width == 8) {
    for (int64_t i = 0; i < count; ++i) {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      a.data[i] = static_cast<float>(d);
    }
  } else if (width == 2) {
    for (int64_t i = 0; i < count; ++i) {
      uint16_t bits;
      std::memcpy(&bits, p + 2 * i, 2);
      a.data[i] = static_cast<float>(c10::Half(bits, c10::Half::from_bits()));
    }
  } else {
    std::memcpy(a.data.data(), p, data_bytes);
  }
  return a;
}

}  // namespace merhan
