// Deliberately free of LibTorch: compiled alone into the fuzzer (fuzz/CMakeLists.txt).
#include "merhan/io/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "merhan/util/error.h"

namespace merhan {
namespace {

struct DtypeName {
  const char* name;
  SafetensorsDtype dtype;
};
constexpr DtypeName kDtypes[] = {{"F64", SafetensorsDtype::kF64}, {"F32", SafetensorsDtype::kF32},
                                 {"F16", SafetensorsDtype::kF16}, {"BF16", SafetensorsDtype::kBF16},
                                 {"I64", SafetensorsDtype::kI64}, {"I32", SafetensorsDtype::kI32},
                                 {"I16", SafetensorsDtype::kI16}, {"I8", SafetensorsDtype::kI8},
                                 {"U8", SafetensorsDtype::kU8},   {"BOOL", SafetensorsDtype::kBool}};

[[noreturn]] void Fail(const std::string& source, const std::string& what) {
  throw DataError(source + ": not a valid safetensors file: " + what);
}

uint64_t ReadUint64(const nlohmann::json& v, const std::string& source, const std::string& what) {
  if (!v.is_number_unsigned()) {
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
    Fail(source, what + " must be a non-negative integer, got " + v.dump());
  }
  return v.get<uint64_t>();
}

}  // namespace

size_t SafetensorsDtypeSize(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF64:
    case SafetensorsDtype::kI64: return 8;
    case SafetensorsDtype::kF32:
    case SafetensorsDtype::kI32: return 4;
    case SafetensorsDtype::kF16:
    case SafetensorsDtype::kBF16:
    case SafetensorsDtype::kI16: return 2;
    case SafetensorsDtype::kI8:
    case SafetensorsDtype::kU8:
    case SafetensorsDtype::kBool: return 1;
  }
  return 0;
}

namespace {

// The header's byte length from the first 8 bytes (little-endian), checked against the file.
uint64_t HeaderLength(const char* bytes, uint64_t available, uint64_t file_size, const std::string& source) {
  if (file_size < 8 || available < 8) Fail(source, "shorter than the 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_len > kMaxSafetensorsHeaderBytes) {
    Fail(source, "header length " + std::to_string(header_len) + " exceeds the 100 MB limit");
  }
  if (header_len > file_size - 8) {
    Fail(source, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                     std::to_string(file_size) + " bytes; truncated?)");
  }
  if (header_len > available - 8) Fail(source, "header not fully read");
  return header_len;
}

void ReadMetadata(const nlohmann::json& entry, const std::string& source, SafetensorsHeader* h) {
  if (!entry.is_object()) Fail(source, "__metadata__ is not an object");
  for (const auto& [k, v] : entry.items()) {
    if (!v.is_string()) Fail(source, "__metadata__ value for '" + k + "' is not a string");
    h->metadata[k] = v.get<std::string>();
  }
}

// The element count of a shape, or a failure when it overflows.
uint64_t ReadShape(const nlohmann::json& shape, uint64_t elem, const std::string& source, const std::string& where,
                   std::vector<int64_t>* dims) {
  uint64_t numel = 1;
  bool overflow = false;
  for (const auto& dim : shape) {
    const uint64_t n = ReadUint64(dim, source, where + " shape dimension");
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
    dims->push_back(static_cast<int64_t>(n));
    if (n != 0 && numel > std::numeric_limits<uint64_t>::max() / n) overflow = true;
    numel *= n;
  }
  if (overflow || numel > std::numeric_limits<uint64_t>::max() / elem) Fail(source, where + " shape overflows");
  return numel;
}

SafetensorsTensorInfo ReadTensorEntry(const std::string& name, const nlohmann::json& entry, uint64_t data_size,
                                      const std::string& source) {
  const std::string where = "tensor '" + name + "'";
  if (!entry.is_object()) Fail(source, where + " is not an object");
  if (!entry.contains("dtype") || !entry["dtype"].is_string()) Fail(source, where + " has no dtype");
  if (!entry.contains("shape") || !entry["shape"].is_array()) Fail(source, where + " has no shape");
  if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2) {
    Fail(source, where + " has no [begin, end] data_offsets");
  }
  SafetensorsTensorInfo t;
  t.name = name;
  t.dtype_name = entry["dtype"].get<std::string>();
  const auto* d =
      std::find_if(std::begin(kDtypes), std::end(kDtypes), [&](const DtypeName& x) { return t.dtype_name == x.name; });
  if (d == std::end(kDtypes)) Fail(source, where + " has unsupported dtype " + t.dtype_name);
  t.dtype = d->dtype;
  const uint64_t elem = SafetensorsDtypeSize(t.dtype);
  const uint64_t numel = ReadShape(entry["shape"], elem, source, where, &t.shape);
  t.begin = ReadUint64(entry["data_offsets"][0], source, where + " data_offsets[0]");
  t.end = ReadUint64(entry["data_offsets"][1], source, where + " data_offsets[1]");
  if (t.begin > t.end) Fail(source, where + " has data_offsets begin > end");
  if (t.end > data_size) {
    Fail(source, where + " data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                     "] run past the data section (" + std::to_string(data_size) + " bytes; truncated?)");
  }
  if (t.end - t.begin != numel * elem) {
    Fail(source, where + " holds " + std::to_string(t.end - t.begin) + " bytes but shape x " + t.dtype_name +
                     " needs " + std::to_string(numel * elem));
  }
  return t;
}

// Sorted by offset, the tensors must tile the data section exactly: no overlap, no hole.
void CheckTensorsTileData(SafetensorsHeader* h, const std::string& source) {
  std::sort(h->tensors.begin(), h->tensors.end(), [](const SafetensorsTensorInfo& a, const SafetensorsTensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const auto& t : h->tensors) {
    if (t.begin != expected) {
      Fail(source, "tensor '" + t.name + "' starts at " + std::to_string(t.begin) + " but the previous data ends at " +
                       std::to_string(expected) + " (overlap or hole)");
    }
    expected = t.end;
  }
  if (expected != h->data_size) {
    Fail(source, "data section has " + std::to_string(h->data_size) + " bytes but the tensors cover " +
                     std::to_string(expected));
  }
}

}  // namespace

SafetensorsHeader ParseSafetensorsHeader(const char* bytes, uint64_t available, uint64_t file_size,
                                         const std::string& source) {
  const uint64_t header_len = HeaderLength(bytes, available, file_size, source);
  SafetensorsHeader h;
  h.data_offset = 8 + header_len;
  h.data_size = file_size - h.data_offset;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    Fail(source, std::string("header is not JSON: ") + e.what());
  }
  if (!j.is_object()) Fail(source, "header is not a JSON object");
  for (const auto& [name, entry] : j.items()) {
    if (name == "__metadata__") {
      ReadMetadata(entry, source, &h);
    } else {
      h.tensors.push_back(ReadTensorEntry(name, entry, h.data_size, source));
    }
  }
  CheckTensorsTileData(&h, source);
  return h;
}

}  // namespace merhan
