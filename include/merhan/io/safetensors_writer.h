// Writes named tensors as a .safetensors file (the format io/safetensors_header.h
// reads), so that exported model weights open in any safetensors reader.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace merhan {

// Tensors are written contiguous, little-endian, from the CPU, in name order;
// `metadata` goes to "__metadata__". F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL;
// InternalError for another dtype. Atomic (temp file + rename).
void SaveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata = {});

}  // namespace merhan
