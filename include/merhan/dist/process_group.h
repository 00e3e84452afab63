// The collectives of data-parallel training on LibTorch's c10d process groups:
// Gloo for the CPU, NCCL for CUDA, over a TCPStore rendezvous. A collective
// that fails because a peer died or stopped answering becomes a PeerError
// naming the lost rank(s). docs/design.md "Data-parallel training".
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "merhan/dist/distributed.h"

namespace merhan {

class ProcessGroup {
 public:
  // Meets the other ranks at launch.master_addr:master_port (rank 0 hosts the
  // store) and builds the backend for `device`: NCCL for CUDA, Gloo otherwise.
  // UsageError when this build lacks that backend; PeerError when the others
  // do not arrive within launch.timeout_seconds.
  static std::shared_ptr<ProcessGroup> Connect(const DistributedLaunch& launch, const torch::Device& device);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int world_size() const;
  // The device collectives run on (tensors are moved there and back).
  const torch::Device& device() const;

  // Sums each tensor over the ranks, in place. The tensors' reductions are
  // issued together and then waited for (one bucket each).
  void AllReduceSum(const std::vector<torch::Tensor>& tensors, const char* what);
  // Every rank's `local` (same dtype and trailing shape, any number of rows),
  // in rank order.
  std::vector<torch::Tensor> AllGatherRows(const torch::Tensor& local, const char* what);

  // Rank 0 publishes `value` under `key`; every other rank waits for it, as
  // long as it takes (rank 0 may be extracting features), and gets it back.
  // PeerError if rank 0 is lost meanwhile.
  std::string ShareFromRank0(const std::string& key, const std::string& value);

  struct State;  // c10d objects and the liveness thread (process_group.cc)

 private:
  explicit ProcessGroup(std::unique_ptr<State> state);
  // Rethrows a failed collective as a PeerError naming the ranks that stopped.
  [[noreturn]] void Fail(const char* what, const std::string& cause);
  std::unique_ptr<State> state_;
};

// Which backends this build carries ("gloo", "nccl"), for --version and errors.
std::vector<std::string> DistributedBackends();

}  // namespace merhan

namespace merhan {

// What the trainer and the driver know of the job: rank 0 of 1 without a
// group, unless torchrun or Slurm started several processes.
struct DistributedContext {
  DistributedLaunch launch;
  std::shared_ptr<ProcessGroup> group;  // null while launch.world_size == 1

  int rank() const { return launch.rank; }
  int world_size() const { return launch.world_size; }
  // Only rank 0 writes files (checkpoints, metrics, reports) and logs.
  bool IsWriter() const { return launch.rank == 0; }

  // The launcher's environment (DistributedLaunch::FromEnvironment); with
  // several processes, connects the group for `device`.
  static DistributedContext FromEnvironment(const torch::Device& device);
};

}  // namespace merhan
