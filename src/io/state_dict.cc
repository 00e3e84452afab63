#include "merhan/io/state_dict.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "merhan/io/safetensors_header.h"
#include "merhan/util/error.h"

namespace merhan {

const torch::Tensor& StateDict::Get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw DataError(source_ + ": tensor '" + name + "' not found");
  return it->second;
}

StateDict StateDict::Select(const std::string& prefix) const {
  StateDict out(source_);
  for (auto it = tensors_.lower_bound(prefix); it != tensors_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    out.tensors_[it->first.substr(prefix.size())] = it->second;
  }
  return out;
}

std::vector<std::string> StateDict::Names() const {
  std::vector<std::string> names;
  for (const auto& [k, v] : tensors_) names.push_back(k);
  return names;
}

namespace {

torch::ScalarType TorchType(SafetensorsDtype d) {
  switch (d) {
    case SafetensorsDtype::kF64: return torch::kFloat64;
    case SafetensorsDtype::kF32: return torch::kFloat32;
    case SafetensorsDtype::kF16: return torch::kFloat16;
    case SafetensorsDtype::kBF16: return torch::kBFloat16;
    case SafetensorsDtype::kI64: return torch::kInt64;
    case SafetensorsDtype::kI32: return torch::kInt32;
    case SafetensorsDtype::kI16: return torch::kInt16;
    case SafetensorsDtype::kI8: return torch::kInt8;
    case SafetensorsDtype::kU8: return torch::kUInt8;
    case SafetensorsDtype::kBool: return torch::kBool;
  }
  return torch::kFloat32;
}

// Read-only mapping of a whole file, unmapped on scope exit.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw DataError(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw DataError(path + ": not a regular file");
    }
    size_ = static_cast<uint64_t>(st.st_size);
    if (size_ > 0) {
      data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (data_ == MAP_FAILED) {
        ::close(fd_);
        throw DataError(path + ": cannot map: " + std::strerror(errno));
      }
    }
  }
  ~MappedFile() {
    if (data_ && data_ != MAP_FAILED) ::munmap(data_, size_);
    if (fd_ >= 0) ::close(fd_);
  }
  const char* data() const { return static_cast<const char*>(data_); }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  void* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace

StateDict LoadSafetensors(const std::string& path) {
  MappedFile file(path);
  static const char kEmpty[8] = {0};
  const SafetensorsHeader header =
      ParseSafetensorsHeader(file.size() ? file.data() : kEmpty, file.size(), file.size(), path);
  StateDict dict(path);
  const char* data = file.data() + header.data_offset;
  for (const auto& t : header.tensors) {
    // clone(): the tensor must outlive the mapping; the data may be unaligned.
    auto tensor = torch::empty(t.shape, torch::TensorOptions().dtype(TorchType(t.dtype)));
    if (t.end > t.begin) std::memcpy(tensor.data_ptr(), data + t.begin, t.end - t.begin);
    dict.Set(t.name, std::move(tensor));
  }
  return dict;
}

StateDict LoadTorchCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K') {
    throw DataError(path +
                    ": not a zip-format PyTorch checkpoint (legacy pre-1.6 torch.save files are not "
                    "supported; re-save it, or convert it to safetensors)");
  }
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    throw DataError(path + ": cannot read PyTorch checkpoint: " + e.what_without_backtrace());
  }
  if (!value.isGenericDict()) throw DataError(path + ": checkpoint does not hold a dict of tensors");
  StateDict dict(path);
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString()) throw DataError(path + ": checkpoint dict has a non-string key");
    const std::string name = item.key().toStringRef();
    if (!item.value().isTensor()) throw DataError(path + ": entry '" + name + "' is not a tensor");
    dict.Set(name, item.value().toTensor());
  }
  return dict;
}

StateDict LoadStateDict(const std::string& path) {
  const std::string ext = ".safetensors";
  if (path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) {
    return LoadSafetensors(path);
  }
  return LoadTorchCheckpoint(path);
}

std::string NameList(const char* what, const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string out = std::string("; ") + what + ":";
  for (size_t i = 0; i < names.size() && i < 8; ++i) out += " " + names[i];
  if (names.size() > 8) out += " ...";
  return out;
}

}  // namespace merhan
