// Where this process sits in a data-parallel job: rank, world size and the
// rendezvous address, read from the launcher's environment (torchrun or Slurm).
// A process started by neither is rank 0 of 1 and trains exactly as before.
// docs/design.md "Data-parallel training".
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace merhan {

enum class Launcher { kNone, kTorchrun, kSlurm };
const char* LauncherName(Launcher launcher);

struct DistributedLaunch {
  Launcher launcher = Launcher::kNone;
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;  // processes on this node: they share its cores (T8)
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // torchrun's agent already serves the store at MASTER_ADDR:MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE=True): rank 0 joins it instead of hosting one.
  bool launcher_hosts_store = false;
  // How long a collective (and the rendezvous) may wait for a peer before the
  // job fails: MERHAN_DIST_TIMEOUT seconds, default 600.
  int timeout_seconds = 600;

  // The default rendezvous port of a Slurm job without MASTER_PORT:
  // 20000 + SLURM_JOB_ID mod 10000, so that concurrent jobs sharing a node
  // rarely collide.
  static int SlurmDefaultPort(long long job_id);

  bool Distributed() const { return world_size > 1; }
  bool IsWriter() const { return rank == 0; }
  // UsageError with the variable at fault when the values do not fit together.
  void Validate() const;
  std::string ToString() const;
  nlohmann::json ToJson() const;

  // Reads the environment through `getenv` (std::getenv by default): torchrun's
  // RANK/WORLD_SIZE/LOCAL_RANK/LOCAL_WORLD_SIZE/MASTER_ADDR/MASTER_PORT first,
  // else Slurm's SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID, the first host of
  // SLURM_JOB_NODELIST (or SLURM_NODELIST), MASTER_ADDR and MASTER_PORT when
  // set (else SlurmDefaultPort), and this node's share of SLURM_TASKS_PER_NODE.
  // UsageError naming the variable when one is malformed. Validated.
  using Getenv = std::function<const char*(const char*)>;
  static DistributedLaunch FromEnvironment(const Getenv& getenv = {});
};

// The first host of a Slurm node list in its compressed form:
// "node[01-04,07],gpu3" -> "node01"; "a,b" -> "a"; "x[5]" -> "x5".
// UsageError naming the list when it is malformed.
std::string FirstSlurmHost(const std::string& node_list);

// Tasks on node `node_id` (SLURM_NODEID) from Slurm's SLURM_TASKS_PER_NODE,
// whose form is "2(x3),1" (three nodes of 2 tasks, then one of 1).
// UsageError naming the value when it is malformed or too short.
int SlurmTasksOnNode(const std::string& tasks_per_node, int node_id);

}  // namespace merhan
