#include "merhan/runtime/device.h"

#include <ATen/autocast_mode.h>
#include <ATen/cpu/Utils.h>

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
    throw UsageError("train.device: \"" + spec +
                     "\" asked for CUDA, but no CUDA device is available to this LibTorch"
                     " (see `merhan --version`); use auto or cpu");
  }
  const int count = static_cast<int>(torch::cuda::device_count());
  if (index >= count) {
    throw UsageError("train.device: \"" + spec + "\" but only " + std::to_string(count) +
                     " CUDA device(s) exist (cuda:0..cuda:" + std::to_string(count - 1) + ")");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

bool CpuHasNativeBf16() {
  static const bool native = [] {
    const auto caps = at::cpu::get_cpu_capabilities();
    auto has = [&](const char* key) {
      const auto it = caps.find(key);
      return it != caps.end() && it->second.isBool() && it->second.toBool();
    };
    return has("avx512_bf16") || has("amx_bf16");
  }();
  return native;
}

bool Bf16Autocast(const TrainOptions& options, const torch::Device& device) {
  if (device.is_cuda()) return options.bf16;
  return device.is_cpu() && options.cpu_bf16 && CpuHasNativeBf16();
}

AutocastGuard::AutocastGuard(const torch::Device& device, bool enabled) {
  if (!enabled || !(device.is_cuda() || device.is_cpu())) return;
  active_ = true;
  type_ = device.type();
  previous_enabled_ = at::autocast::is_autocast_enabled(type_);
  previous_dtype_ = at::autocast::get_autocast_dtype(type_);
  at::autocast::set_autocast_enabled(type_, true);
  at::autocast::set_autocast_dtype(type_, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(type_, previous_enabled_);
  at::autocast::set_autocast_dtype(type_, previous_dtype_);
}

}  // namespace merhan
