#include "merhan/runtime/environment.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <sndfile.h>
#include <soxr.h>
#include <spdlog/version.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <utf8proc.h>

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <thread>

#include <Eigen/Core>

#include "merhan/runtime/device.h"

#ifdef MERHAN_HAVE_CUDA_RUNTIME
#include <cuda_runtime_api.h>
#endif

namespace merhan {
namespace build_info {
extern const char* const kVersion;
extern const char* const kGitRevision;
extern const char* const kCompiler;
extern const char* const kBuildType;
}  // namespace build_info

namespace {

// at::show_config() prints lines like "  - BLAS_INFO=mkl"; pick one value.
std::string ConfigValue(const std::string& config, const std::string& key) {
  const std::regex re(key + "=([^,\\n]*)");
  std::smatch m;
  if (std::regex_search(config, m, re)) return m[1].str();
  return "";
}

}  // namespace

RuntimeInfo CollectRuntimeInfo() {
  RuntimeInfo info;
  info.merhan_version = build_info::kVersion;
  info.git_revision = build_info::kGitRevision;
  info.compiler = build_info::kCompiler;
  info.build_type = build_info::kBuildType;
  info.torch_version = TORCH_VERSION;

  const std::string config = at::show_config();
  info.blas = ConfigValue(config, "BLAS_INFO");
  info.lapack = ConfigValue(config, "LAPACK_INFO");
  info.cuda_built = ConfigValue(config, "USE_CUDA") == "ON";
  info.openmp = at::get_openmp_version();
  if (info.openmp.empty() || info.openmp.find("not") != std::string::npos) {
    info.openmp = ConfigValue(config, "USE_OPENMP") == "ON" ? "OpenMP" : "none";
  }
  info.cpu_capability = at::get_cpu_capability();
  info.cpu_native_bf16 = CpuHasNativeBf16();
  info.intra_op_threads = at::get_num_threads();
  info.inter_op_threads = at::get_num_interop_threads();

  info.cuda_available = torch::cuda::is_available();
  info.cuda_device_count = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  if (info.cuda_built) {
    const auto& hooks = at::detail::getCUDAHooks();
    const long cudnn = hooks.hasCuDNN() ? hooks.versionCuDNN() : 0;
    if (cudnn > 0) info.cudnn_version = std::to_string(cudnn);
    const long rt = info.cuda_available ? hooks.versionCUDART() : 0;
    if (rt > 0) info.cuda_runtime_version = std::to_string(rt / 1000) + "." + std::to_string(rt % 1000 / 10);
    if (info.cuda_runtime_version.empty()) info.cuda_runtime_version = ConfigValue(config, "CUDA_VERSION");
  }
#ifdef MERHAN_HAVE_CUDA_RUNTIME
  for (int i = 0; i < info.cuda_device_count; ++i) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) info.cuda_devices.push_back(prop.name);
  }
#else
  for (int i = 0; i < info.cuda_device_count; ++i) info.cuda_devices.push_back("cuda:" + std::to_string(i));
#endif

  info.libraries["libtorch"] = TORCH_VERSION;
  info.libraries["libsndfile"] = sf_version_string();
  info.libraries["libsoxr"] = soxr_version();
  info.libraries["utf8proc"] = utf8proc_version();
  info.libraries["eigen"] = std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                            std::to_string(EIGEN_MINOR_VERSION);
  info.libraries["nlohmann_json"] = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                    std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                    std::to_string(NLOHMANN_JSON_VERSION_PATCH);
  info.libraries["spdlog"] = std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
                             std::to_string(SPDLOG_VER_PATCH);
  return info;
}

nlohmann::json RuntimeInfo::ToJson() const {
  return {{"merhan_version", merhan_version},
          {"git_revision", git_revision},
          {"compiler", compiler},
          {"build_type", build_type},
          {"torch_version", torch_version},
          {"cuda_built", cuda_built},
          {"cuda_available", cuda_available},
          {"cuda_devices", cuda_devices},
          {"cuda_runtime_version", cuda_runtime_version},
          {"cudnn_version", cudnn_version},
          {"blas", blas},
          {"lapack", lapack},
          {"openmp", openmp},
          {"cpu_capability", cpu_capability},
          {"cpu_native_bf16", cpu_native_bf16},
          {"intra_op_threads", intra_op_threads},
          {"inter_op_threads", inter_op_threads},
          {"libraries", libraries}};
}

std::string RuntimeInfo::ToString() const {
  std::ostringstream out;
  out << "merhan " << merhan_version << " (git " << git_revision << ", " << build_type << ")\n";
  out << "LibTorch " << torch_version << "\n";
  out << "CUDA: built " << (cuda_built ? "yes" : "no");
  if (cuda_built && !cuda_runtime_version.empty()) out << " (" << cuda_runtime_version << ")";
  out << ", available " << (cuda_available ? "yes" : "no");
  out << ", devices " << cuda_device_count;
  for (size_t i = 0; i < cuda_devices.size(); ++i) out << (i ? ", " : ": ") << cuda_devices[i];
  out << "\n";
  out << "cuDNN: " << (cudnn_version.empty() ? "none" : cudnn_version) << "\n";
  out << "BLAS: " << (blas.empty() ? "unknown" : blas) << ", LAPACK: " << (lapack.empty() ? "unknown" : lapack) << "\n";
  out << "CPU: " << (cpu_capability.empty() ? "unknown" : cpu_capability)
      << ", native bf16: " << (cpu_native_bf16 ? "yes" : "no") << "\n";
  out << "Threads: intra-op " << intra_op_threads << ", inter-op " << inter_op_threads << " (" << openmp << ")\n";
  out << "Compiler: " << compiler << "\n";
  out << "Libraries:";
  for (auto it = libraries.begin(); it != libraries.end(); ++it) {
    out << " " << it.key() << " " << it.value().get<std::string>() << ";";
  }
  out << "\n";
  return out.str();
}

int ResolveTorchThreads(int requested, int local_processes) {
  if (requested > 0) return requested;
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  int cores = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    cores = CPU_COUNT(&set);
  } else {
    cores = static_cast<int>(std::thread::hardware_concurrency());
  }
  return std::max(1, cores / std::max(1, local_processes));
}

int ApplyTorchThreads(int requested, int local_processes) {
  const int n = ResolveTorchThreads(requested, local_processes);
  (void)at::get_num_threads();  // forces this thread's lazy initialisation (see the header)
  at::set_num_threads(n);
  return n;
}

}  // namespace merhan
