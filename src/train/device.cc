#include "merhan/train/device.h"

#include <ATen/autocast_mode.h>

#include "merhan/util/error.h"

namespace merhan {

torch::Device ResolveDevice(const std::string& spec) {
  if (spec == "cpu") return torch::Device(torch::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (spec == "auto") return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  int index = 0;
  if (spec == "cuda") {
    index = 0;
  } else if (spec.rfind("cuda:", 0) == 0 && spec.size() > 5 &&
             spec.find_first_not_of("0123456789", 5) == std::string::npos) {
    index = std::stoi(spec.substr(5));
  } else {
    throw UsageError("train.device: expected auto, cpu, cuda or cuda:N, got \"" + spec + "\"");
  }
  if (!cuda) {
    throw UsageError("train.device: \"" + spec + "\" asked for CUDA, but no CUDA device is available to this LibTorch"
                     " (see `merhan --version`); use auto or cpu");
  }
  const int count = static_cast<int>(torch::cuda::device_count());
  if (index >= count) {
    throw UsageError("train.device: \"" + spec + "\" but only " + std::to_string(count) +
                     " CUDA device(s) exist (cuda:0..cuda:" + std::to_string(count - 1) + ")");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

AutocastGuard::AutocastGuard(const torch::Device& device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  active_ = true;
  previous_enabled_ = at::autocast::is_autocast_enabled(at::kCUDA);
  previous_dtype_ = at::autocast::get_autocast_dtype(at::kCUDA);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(at::kCUDA, previous_enabled_);
  at::autocast::set_autocast_dtype(at::kCUDA, previous_dtype_);
}

}  // namespace merhan
