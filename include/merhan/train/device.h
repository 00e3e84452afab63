// Device selection and bf16 autocast.
#pragma once

#include <torch/torch.h>

#include <string>

namespace merhan {

// "auto" -> cuda:0 when CUDA is available, else cpu; "cpu"; "cuda" -> cuda:0;
// "cuda:N". UsageError naming train.device when CUDA is missing or N is out of range.
torch::Device ResolveDevice(const std::string& spec);

// Enables bf16 autocast for CUDA ops in its scope when `enabled` and `device` is
// CUDA; does nothing otherwise (autocast on the CPU is slower and not what the
// issue asks for). Restores the previous state on exit, like Python's
// torch.autocast, and clears the cast cache when the outermost guard leaves.
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device& device, bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;
  bool active() const { return active_; }

 private:
  bool active_ = false;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace merhan
