#include "merhan/io/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

std::string DtypeName(const std::string& name, torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return "F64";
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: throw InternalError("safetensors: tensor " + name + " has a dtype the format has no name for");
  }
}

}  // namespace

void SaveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata) {
  // torch tensors are little-endian on every platform LibTorch supports.
  std::vector<torch::Tensor> data;
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", DtypeName(name, t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(t);
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string json = header.dump();
  // The format recommends aligning the data to 8 bytes; readers accept space padding.
  json.append((8 - json.size() % 8) % 8, ' ');
  WriteFileAtomically(path, [&](std::ostream& out) {
    const uint64_t n = json.size();
    char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    out.write(length, 8);
    out.write(json.data(), static_cast<std::streamsize>(json.size()));
    for (const auto& t : data) {
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
    }
  });
}

}  // namespace merhan
