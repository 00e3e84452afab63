#include "merhan/dist/distributed.h"

#include <cstdlib>
#include <sstream>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// A non-negative integer from variable `name`, or UsageError naming it.
int ParseCount(const std::string& name, const std::string& value) {
  size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || n < 0 || n > 1000000000) {
    throw UsageError(Cat(name, "=", value, ": expected a non-negative integer"));
  }
  return static_cast<int>(n);
}

class Env {
 public:
  explicit Env(const DistributedLaunch::Getenv& getenv) : getenv_(getenv) {}
  bool Has(const char* name) const { return Get(name) != nullptr; }
  std::string Text(const char* name, const std::string& fallback = "") const {
    const char* v = Get(name);
    return v ? std::string(v) : fallback;
  }
  int Count(const char* name, int fallback) const {
    const char* v = Get(name);
    return v ? ParseCount(name, v) : fallback;
  }

 private:
  const char* Get(const char* name) const {
    const char* v = getenv_ ? getenv_(name) : std::getenv(name);
    return v && *v ? v : nullptr;
  }
  const DistributedLaunch::Getenv& getenv_;
};

void ReadTorchrun(const Env& env, DistributedLaunch* d) {
  d->launcher = Launcher::kTorchrun;
  d->rank = env.Count("RANK", 0);
  d->world_size = env.Count("WORLD_SIZE", 1);
  d->local_rank = env.Count("LOCAL_RANK", 0);
  // torchrun always sets it; a hand-made environment may not: assume one node.
  d->local_world_size = env.Count("LOCAL_WORLD_SIZE", d->world_size);
  d->master_addr = env.Text("MASTER_ADDR", d->master_addr);
  d->master_port = env.Count("MASTER_PORT", d->master_port);
  d->launcher_hosts_store = env.Text("TORCHELASTIC_USE_AGENT_STORE") == "True";
}

void ReadSlurm(const Env& env, DistributedLaunch* d) {
  d->launcher = Launcher::kSlurm;
  d->rank = env.Count("SLURM_PROCID", 0);
  d->world_size = env.Count("SLURM_NTASKS", 1);
  d->local_rank = env.Count("SLURM_LOCALID", 0);
  d->local_world_size = env.Has("SLURM_TASKS_PER_NODE")
                            ? SlurmTasksOnNode(env.Text("SLURM_TASKS_PER_NODE"), env.Count("SLURM_NODEID", 0))
                            : d->world_size;
  const std::string nodes = env.Text("SLURM_JOB_NODELIST", env.Text("SLURM_NODELIST"));
  if (env.Has("MASTER_ADDR")) {
    d->master_addr = env.Text("MASTER_ADDR");
  } else if (!nodes.empty()) {
    d->master_addr = FirstSlurmHost(nodes);
  } else if (d->world_size > 1) {
    throw UsageError("Slurm launch: neither SLURM_JOB_NODELIST nor SLURM_NODELIST nor MASTER_ADDR is set");
  }
  if (env.Has("MASTER_PORT")) {
    d->master_port = env.Count("MASTER_PORT", 0);
  } else if (env.Has("SLURM_JOB_ID")) {
    d->master_port = DistributedLaunch::SlurmDefaultPort(env.Count("SLURM_JOB_ID", 0));
  }
}

}  // namespace

const char* LauncherName(Launcher launcher) {
  switch (launcher) {
    case Launcher::kTorchrun: return "torchrun";
    case Launcher::kSlurm: return "slurm";
    case Launcher::kNone: break;
  }
  return "none";
}

int DistributedLaunch::SlurmDefaultPort(long long job_id) { return 20000 + static_cast<int>(job_id % 10000); }

std::string FirstSlurmHost(const std::string& node_list) {
  auto bad = [&](const std::string& why) {
    return UsageError("Slurm node list '" + node_list + "': " + why + " (expected e.g. node[01-04],gpu3)");
  };
  const size_t comma = node_list.find(','), bracket = node_list.find('[');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket)) {
    const std::string host = node_list.substr(0, comma);
    if (host.empty()) throw bad("empty host name");
    return host;
  }
  const std::string prefix = node_list.substr(0, bracket);
  const size_t end = node_list.find_first_of(",-]", bracket + 1);
  if (prefix.empty()) throw bad("empty host name");
  if (end == std::string::npos || end == bracket + 1) throw bad("unclosed or empty range");
  const std::string first = node_list.substr(bracket + 1, end - bracket - 1);
  if (first.find_first_not_of("0123456789") != std::string::npos) throw bad("range '" + first + "' is not numeric");
  if (node_list.find(']', end) == std::string::npos) throw bad("unclosed '['");
  return prefix + first;  // keeps the zero padding: node[01-04] -> node01
}

int SlurmTasksOnNode(const std::string& tasks_per_node, int node_id) {
  std::stringstream in(tasks_per_node);
  std::string item;
  int node = 0;
  while (std::getline(in, item, ',')) {
    const size_t paren = item.find("(x");
    const int tasks = ParseCount("SLURM_TASKS_PER_NODE", item.substr(0, paren));
    int repeat = 1;
    if (paren != std::string::npos) {
      if (item.back() != ')') throw UsageError("SLURM_TASKS_PER_NODE=" + tasks_per_node + ": expected e.g. 2(x3),1");
      repeat = ParseCount("SLURM_TASKS_PER_NODE", item.substr(paren + 2, item.size() - paren - 3));
    }
    if (node_id < node + repeat) return tasks;
    node += repeat;
  }
  throw UsageError(
      Cat("SLURM_TASKS_PER_NODE=", tasks_per_node, " lists ", node, " node(s); SLURM_NODEID is ", node_id));
}

void DistributedLaunch::Validate() const {
  const std::string from = Cat(" (from ", LauncherName(launcher), "'s environment)");
  if (world_size < 1) throw UsageError(Cat("world size must be >= 1, got ", world_size, from));
  if (rank < 0 || rank >= world_size) throw UsageError(Cat("rank ", rank, " is outside 0..", world_size - 1, from));
  if (local_world_size < 1 || local_world_size > world_size) {
    throw UsageError(Cat("local world size ", local_world_size, " must be in 1..", world_size, from));
  }
  if (local_rank < 0 || local_rank >= local_world_size) {
    throw UsageError(Cat("local rank ", local_rank, " is outside 0..", local_world_size - 1, from));
  }
  if (master_port < 1 || master_port > 65535)
    throw UsageError(Cat("MASTER_PORT ", master_port, ": not a TCP port", from));
  if (master_addr.empty()) throw UsageError("MASTER_ADDR is empty" + from);
  if (timeout_seconds < 1) throw UsageError(Cat("MERHAN_DIST_TIMEOUT must be >= 1 second, got ", timeout_seconds));
}

std::string DistributedLaunch::ToString() const {
  return Cat("rank ", rank, " of ", world_size, " (local ", local_rank, " of ", local_world_size, ", launcher ",
             LauncherName(launcher), ", rendezvous ", master_addr, ":", master_port, ", timeout ", timeout_seconds,
             " s)");
}

nlohmann::json DistributedLaunch::ToJson() const {
  return {{"launcher", LauncherName(launcher)},
          {"rank", rank},
          {"world_size", world_size},
          {"local_rank", local_rank},
          {"local_world_size", local_world_size},
          {"master_addr", master_addr},
          {"master_port", master_port},
          {"launcher_hosts_store", launcher_hosts_store},
          {"timeout_seconds", timeout_seconds}};
}

DistributedLaunch DistributedLaunch::FromEnvironment(const Getenv& getenv) {
  const Env env(getenv);
  DistributedLaunch d;
  // torchrun's variables win: torchrun inside a Slurm allocation sets both.
  if (env.Has("WORLD_SIZE") || env.Has("RANK")) {
    ReadTorchrun(env, &d);
  } else if (env.Has("SLURM_PROCID") && env.Has("SLURM_NTASKS")) {
    ReadSlurm(env, &d);
  }
  d.timeout_seconds = env.Count("MERHAN_DIST_TIMEOUT", d.timeout_seconds);
  d.Validate();
  return d;
}

}  // namespace merhan
