// Named tensors from a checkpoint file (safetensors or PyTorch .bin), with
// errors that name the file and the tensor.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace merhan {

class StateDict {
 public:
  StateDict() = default;
  explicit StateDict(std::string source) : source_(std::move(source)) {}

  bool Has(const std::string& name) const { return tensors_.count(name) > 0; }
  // DataError "<source>: tensor '<name>' not found" when absent.
  const torch::Tensor& Get(const std::string& name) const;
  void Set(const std::string& name, torch::Tensor t) { tensors_[name] = std::move(t); }
  bool Remove(const std::string& name) { return tensors_.erase(name) > 0; }

  // The entries under "prefix." with the prefix stripped.
  StateDict Select(const std::string& prefix) const;
  std::vector<std::string> Names() const;
  size_t size() const { return tensors_.size(); }
  const std::string& source() const { return source_; }
  const std::map<std::string, torch::Tensor>& tensors() const { return tensors_; }

 private:
  std::string source_;  // the file, for error messages
  std::map<std::string, torch::Tensor> tensors_;
};

// "; missing: a b c ..." (the first eight names), or "" when `names` is empty:
// how a weight loader's report lists the tensors it could not match.
std::string NameList(const char* what, const std::vector<std::string>& names);

// Reads a .safetensors file (F32/F16/BF16/F64 and integer dtypes) into CPU tensors.
StateDict LoadSafetensors(const std::string& path);
// Reads a PyTorch checkpoint saved with torch.save (zip format, as transformers'
// pytorch_model.bin) holding a dict of tensors.
StateDict LoadTorchCheckpoint(const std::string& path);
// By extension: .safetensors or anything else as a torch.save zip.
StateDict LoadStateDict(const std::string& path);

}  // namespace merhan
