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
  std::string cpu_capability;    // the widest SIMD LibTorch's kernels use here, e.g. "AVX512"
  bool cpu_native_bf16 = false;  // AVX512-BF16 or AMX-BF16: train.bf16 applies on the CPU
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  nlohmann::json libraries;  // name -> version string

  nlohmann::json ToJson() const;
  // Human-readable block for `merhan --version`.
  std::string ToString() const;
};

RuntimeInfo CollectRuntimeInfo();

// run.threads resolved: n > 0 as given; 0 = OMP_NUM_THREADS when it is set, else
// the cores this process may run on (its CPU affinity, so a Slurm allocation or
// taskset counts, not the whole machine) shared out among the `local_processes`
// data-parallel ranks of this node (at least 1 each; T8).
int ResolveTorchThreads(int requested, int local_processes = 1);

// Sets the LibTorch intra-op thread count of the calling thread (the one that runs
// training steps and evaluation) to ResolveTorchThreads(requested,
// local_processes) and returns it.
// LibTorch's OpenMP backend keeps the count per thread and initialises a thread
// lazily from a process-wide value that every at::set_num_threads overwrites (the
// feature and batch workers set 1 for themselves). So the calling thread's lazy
// initialisation is forced first: afterwards no worker can lower its count.
int ApplyTorchThreads(int requested, int local_processes = 1);

}  // namespace merhan
