#include "merhan/io/npy.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <regex>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"

namespace merhan {

void WriteNpyFloat32(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
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

namespace {

// IEEE 754 binary16 to binary32, exactly (every half is a float). Written here
// rather than taken from c10::Half so that this parser builds without LibTorch
// (the .npy fuzz harness); checked against NumPy by tests/data/precomputed_stream_test.cc.
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {        // subnormal half: normalise
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// The product of dimensions that ParseShape accepted: 0 as soon as one is 0 (the
// others may then be any size, and multiplying them first could overflow);
// otherwise ParseShape has checked that the product fits.
int64_t ElementCount(const std::vector<int64_t>& shape) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

// The dimensions of "(3, 4)"; DataError when their product (the element count)
// overflows what `available` bytes of `element` size hold. A zero dimension makes an
// empty array, whatever the others say.
std::vector<int64_t> ParseShape(const std::string& dims, size_t element, size_t available, const std::string& path) {
  static const std::regex digits("\\d+");
  const auto too_large = [&] {
    return DataError(path + ": truncated .npy data: the .npy shape (" + dims + ") needs more data than the file holds");
  };
  std::vector<int64_t> shape;
  for (std::sregex_iterator it(dims.begin(), dims.end(), digits), end; it != end; ++it) {
    uint64_t x = 0;
    for (char c : it->str()) {
      if (x > (uint64_t{1} << 58)) throw too_large();  // x * 10 + 9 stays below 2^62
      x = x * 10 + static_cast<uint64_t>(c - '0');
    }
    shape.push_back(static_cast<int64_t>(x));
  }
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return shape;
  const uint64_t limit = available / element;
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (count > limit / static_cast<uint64_t>(d)) throw too_large();
    count *= static_cast<uint64_t>(d);
  }
  return shape;
}

}  // namespace

NpyArray ReadNpyFloat(const std::string& path) { return ParseNpyFloat(ReadFileToString(path), path); }

NpyArray ParseNpyFloat(const std::string& bytes, const std::string& path) {
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
  if (header_len > kNpyMaxHeaderBytes) {
    throw DataError(path + ": .npy header of " + std::to_string(header_len) + " bytes (NumPy's limit is " +
                    std::to_string(kNpyMaxHeaderBytes) + ")");
  }
  if (offset + header_len > bytes.size()) throw DataError(path + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  // Compiled once: building a std::regex costs far more than matching a short header.
  static const std::regex kDescr("'descr':\\s*'([<>|]?)(f2|f4|f8)'");
  static const std::regex kFortran("'fortran_order':\\s*True");
  static const std::regex kShape("'shape':\\s*\\(([^)]*)\\)");
  std::smatch m;
  if (!std::regex_search(header, m, kDescr)) {
    throw DataError(path + ": only float16/float32/float64 .npy files are supported (header " + header + ")");
  }
  const size_t width = m[2] == "f8" ? 8 : m[2] == "f4" ? 4 : 2;
  if (m[1] == ">") throw DataError(path + ": big-endian .npy not supported");
  if (std::regex_search(header, kFortran)) throw DataError(path + ": Fortran-order .npy not supported");
  if (!std::regex_search(header, m, kShape)) throw DataError(path + ": .npy header has no shape");
  NpyArray a;
  a.shape = ParseShape(m[1], width, bytes.size() - offset - header_len, path);
  const int64_t count = ElementCount(a.shape);
  const size_t data_bytes = static_cast<size_t>(count) * width;
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
      a.data[i] = HalfToFloat(bits);
    }
  } else if (count > 0) {  // memcpy from/to null (an empty vector's data()) is undefined, even for 0 bytes
    std::memcpy(a.data.data(), p, data_bytes);
  }
  return a;
}

}  // namespace merhan
