// What this binary was built from and runs on: merhan, LibTorch, BLAS, threads,
// CUDA devices and the versions of every linked library. Printed by
// `merhan --version` and stored in every run directory.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace merhan {

struct RuntimeInfo {
  std::string merhan_version;
  std::string git_revision;
  std::string compiler;
  std::string build_type;
  std::string torch_version;
  bool cuda_built = false;
  bool cuda_available = false;
  int cuda_device_count = 0;
  std::vector<std::string> cuda_devices;  // names
  std::string cuda_runtime_version;       // "13.0" or ""
  std::string cudnn_version;              // "91900" or ""
  std::string blas;                       // e.g. "mkl" or "open"
  std::string lapack;
  std::string openmp;
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  nlohmann::json libraries;  // name -> version string

  nlohmann::json ToJson() const;
  // Human-readable block for `merhan --version`.
  std::string ToString() const;
};

RuntimeInfo CollectRuntimeInfo();

// Sets LibTorch intra-op threads: n > 0 exactly, n == 0 leaves the default
// (all cores, or OMP_NUM_THREADS).
void SetTorchThreads(int n);

}  // namespace merhan
