// Device selection and bf16 autocast.
#pragma once

#include <torch/torch.h>

#include <string>

#include "merhan/runtime/train_options.h"

namespace merhan {

// "auto" -> cuda:0 when CUDA is available, else cpu; "cpu"; "cuda" -> cuda:0;
// "cuda:N". UsageError naming train.device when CUDA is missing or N is out of range.
torch::Device ResolveDevice(const std::string& spec);

// Whether this CPU computes bf16 natively (AVX512-BF16 or AMX-BF16). Without
// either, LibTorch emulates bf16 and autocast makes training slower, not faster.
bool CpuHasNativeBf16();

// Whether training and evaluation on `device` run under bf16 autocast:
// train.bf16 on CUDA; train.cpu_bf16 on a CPU, where bf16 is native.
bool Bf16Autocast(const TrainOptions& options, const torch::Device& device);

// bf16 autocast for `device`'s ops (CUDA or CPU) in its scope when `enabled`
// (callers pass Bf16Autocast); does nothing otherwise. Parameters, their gradients and the optimiser state stay
// fp32 (autocast casts copies), and the loss is computed in fp32. Restores the
// previous state on exit, like Python's torch.autocast, and clears the cast cache
// when the outermost guard leaves.
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device& device, bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;
  bool active() const { return active_; }

 private:
  bool active_ = false;
  c10::DeviceType type_ = c10::DeviceType::CPU;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace merhan
