#include "merhan/dist/process_group.h"

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MERHAN_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef MERHAN_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <torch/cuda.h>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

using Clock = std::chrono::steady_clock;
// Every rank bumps its counter in the store this often; a rank whose counter
// stands still for kLivenessWindow is lost. The window is a few beats so that
// a loaded machine does not make a live rank look dead.
constexpr auto kHeartbeat = std::chrono::milliseconds(500);
constexpr auto kLivenessWindow = std::chrono::milliseconds(3000);

std::string HeartbeatKey(int rank) { return "merhan/heartbeat/" + std::to_string(rank); }

std::string FirstLine(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

bool IsLoopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

c10::intrusive_ptr<c10d::TCPStore> ConnectStore(const DistributedLaunch& launch, bool server, bool wait_workers) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(launch.master_port);
  options.isServer = server;
  options.numWorkers = static_cast<size_t>(launch.world_size);
  options.waitWorkers = wait_workers;
  options.timeout = std::chrono::seconds(launch.timeout_seconds);
  return c10::make_intrusive<c10d::TCPStore>(launch.master_addr, options);
}

c10::intrusive_ptr<c10d::Backend> MakeGloo(const c10::intrusive_ptr<c10d::Store>& store,
                                           const DistributedLaunch& launch) {
#ifdef MERHAN_HAVE_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::seconds(launch.timeout_seconds));
  // One node on the loopback: bind there. Otherwise GLOO_SOCKET_IFNAME picks
  // the interface (as in PyTorch), else the address this host's name resolves to.
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (IsLoopback(launch.master_addr)) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else if (ifname && *ifname) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  options->threads = 1;  // the reduction threads must not compete with the training team (T8)
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, launch.rank, launch.world_size, options);
#else
  (void)store;
  (void)launch;
  throw UsageError(
      "this merhan was built without Gloo (Debian's libgloo-dev): it cannot train on several CPU processes");
#endif
}

c10::intrusive_ptr<c10d::Backend> MakeNccl(const c10::intrusive_ptr<c10d::Store>& store,
                                           const DistributedLaunch& launch) {
#ifdef MERHAN_HAVE_NCCL
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = std::chrono::seconds(launch.timeout_seconds);
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, launch.rank, launch.world_size, options);
#else
  (void)store;
  (void)launch;
  throw UsageError(
      "this merhan was built without NCCL: it cannot train on several CUDA processes "
      "(rebuild with the CUDA toolkit and the nvidia-nccl wheel present, or set train.device=cpu)");
#endif
}

}  // namespace

std::vector<std::string> DistributedBackends() {
  std::vector<std::string> out;
#ifdef MERHAN_HAVE_GLOO
  out.push_back("gloo");
#endif
#ifdef MERHAN_HAVE_NCCL
  out.push_back("nccl");
#endif
  return out;
}

struct ProcessGroup::State {
  DistributedLaunch launch;
  torch::Device device = torch::kCPU;
  c10::intrusive_ptr<c10d::Store> store;        // collectives' rendezvous
  c10::intrusive_ptr<c10d::TCPStore> liveness;  // its own connection: heartbeats and diagnosis
  std::mutex liveness_mutex;
  c10::intrusive_ptr<c10d::Backend> backend;
  std::thread heartbeat;
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stop = false;

  void Beat() {
    std::unique_lock<std::mutex> lock(stop_mutex);
    while (!stop) {
      try {
        std::lock_guard<std::mutex> l(liveness_mutex);
        liveness->add(HeartbeatKey(launch.rank), 1);
      } catch (const std::exception&) {
        return;  // the store is gone (rank 0 ended); a collective will say so
      }
      stop_cv.wait_for(lock, kHeartbeat, [&] { return stop; });
    }
  }

  // The heartbeat counters of every rank, or empty when the store is unreachable.
  std::vector<int64_t> Counters() {
    std::vector<int64_t> out;
    try {
      std::lock_guard<std::mutex> l(liveness_mutex);
      for (int r = 0; r < launch.world_size; ++r) out.push_back(liveness->add(HeartbeatKey(r), 0));
    } catch (const std::exception&) {
      out.clear();
    }
    return out;
  }
};

ProcessGroup::ProcessGroup(std::unique_ptr<State> state) : state_(std::move(state)) {
  state_->heartbeat = std::thread([s = state_.get()] { s->Beat(); });
}

ProcessGroup::~ProcessGroup() {
  {
    std::lock_guard<std::mutex> lock(state_->stop_mutex);
    state_->stop = true;
  }
  state_->stop_cv.notify_all();
  if (state_->heartbeat.joinable()) state_->heartbeat.join();
}

std::shared_ptr<ProcessGroup> ProcessGroup::Connect(const DistributedLaunch& launch, const torch::Device& device) {
  launch.Validate();
  // TCPStore and Gloo log every failed socket call with a backtrace; a lost peer
  // is reported once, by a PeerError (c10 levels: 0 info, 1 warning, 2 error).
  FLAGS_caffe2_log_level = std::max(FLAGS_caffe2_log_level, 2);
  auto state = std::make_unique<State>();
  state->launch = launch;
  state->device = device;
  const std::string where = Cat(launch.master_addr, ":", launch.master_port);
  try {
    auto tcp = ConnectStore(launch, launch.rank == 0 && !launch.launcher_hosts_store, /*wait_workers=*/true);
    state->liveness = ConnectStore(launch, /*server=*/false, /*wait_workers=*/false);
    state->store = c10::make_intrusive<c10d::PrefixStore>("merhan", tcp);
    state->backend = device.is_cuda() ? MakeNccl(state->store, launch) : MakeGloo(state->store, launch);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw PeerError(Cat("rank ", launch.rank, " of ", launch.world_size, ": rendezvous at ", where, " failed within ",
                        launch.timeout_seconds, " s (MERHAN_DIST_TIMEOUT): ", FirstLine(e.what()),
                        ". Are all ranks started, and is MASTER_ADDR:MASTER_PORT reachable?"));
  }
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(state)));
}

int ProcessGroup::rank() const { return state_->launch.rank; }
int ProcessGroup::world_size() const { return state_->launch.world_size; }
const torch::Device& ProcessGroup::device() const { return state_->device; }

void ProcessGroup::Fail(const char* what, const std::string& cause) {
  const auto before = state_->Counters();
  const bool store_on_rank0 = !state_->launch.launcher_hosts_store;
  std::this_thread::sleep_for(kLivenessWindow);
  const auto after = state_->Counters();
  std::string lost;
  if (before.empty() || after.empty()) {
    lost = store_on_rank0 ? "rank 0 (it hosts the rendezvous store, which no longer answers)"
                          : "the launcher's rendezvous store (it no longer answers)";
  } else {
    for (int r = 0; r < world_size(); ++r) {
      if (r != rank() && after[static_cast<size_t>(r)] == before[static_cast<size_t>(r)]) {
        lost += (lost.empty() ? "rank " : ", rank ") + std::to_string(r);
      }
    }
  }
  const std::string head = Cat("rank ", rank(), " of ", world_size(), ": ", what, " failed: ");
  if (lost.empty()) {
    throw PeerError(head + "every rank still answers, so one is stuck or slower than MERHAN_DIST_TIMEOUT (" +
                    std::to_string(state_->launch.timeout_seconds) + " s) allows; cause: " + FirstLine(cause));
  }
  throw PeerError(head + "lost " + lost +
                  " (died or stopped answering; its own log has the reason); cause: " + FirstLine(cause));
}

void ProcessGroup::AllReduceSum(const std::vector<torch::Tensor>& tensors, const char* what) {
  try {
    std::vector<std::vector<at::Tensor>> on_device;
    std::vector<c10::intrusive_ptr<c10d::Work>> work;
    on_device.reserve(tensors.size());  // the backend keeps references to these vectors' tensors
    for (const auto& t : tensors) {
      on_device.push_back({t.to(state_->device).contiguous()});
      work.push_back(state_->backend->allreduce(on_device.back()));
    }
    for (size_t i = 0; i < work.size(); ++i) {
      work[i]->wait();
      if (!on_device[i][0].is_same(tensors[i])) tensors[i].copy_(on_device[i][0]);
    }
  } catch (const std::exception& e) {  // c10::Error, gloo's IoException
    Fail(what, e.what());
  }
}

std::vector<torch::Tensor> ProcessGroup::AllGatherRows(const torch::Tensor& local, const char* what) {
  // Gloo gathers equal shapes: share the row counts, pad to the longest, trim.
  torch::Tensor rows = torch::zeros({world_size()}, torch::kInt64);
  rows[rank()] = local.size(0);
  AllReduceSum({rows}, what);
  const int64_t longest = rows.max().item<int64_t>();
  std::vector<int64_t> shape = local.sizes().vec();
  shape[0] = longest;
  torch::Tensor padded = torch::zeros(shape, local.options().device(state_->device));
  padded.narrow(0, 0, local.size(0)).copy_(local);
  std::vector<at::Tensor> input = {padded};
  std::vector<std::vector<at::Tensor>> output(1);
  for (int r = 0; r < world_size(); ++r) output[0].push_back(torch::empty_like(padded));
  try {
    state_->backend->allgather(output, input)->wait();
  } catch (const std::exception& e) {
    Fail(what, e.what());
  }
  std::vector<torch::Tensor> out;
  for (int r = 0; r < world_size(); ++r) {
    out.push_back(output[0][static_cast<size_t>(r)].narrow(0, 0, rows[r].item<int64_t>()).to(local.device()));
  }
  return out;
}

std::string ProcessGroup::ShareFromRank0(const std::string& key, const std::string& value) {
  const std::string full = "merhan/shared/" + key;
  try {
    if (rank() == 0) {
      std::lock_guard<std::mutex> l(state_->liveness_mutex);
      state_->liveness->set(full, std::vector<uint8_t>(value.begin(), value.end()));
      return value;
    }
    while (true) {  // no deadline: rank 0 may extract features for a long time
      {
        std::lock_guard<std::mutex> l(state_->liveness_mutex);
        if (state_->liveness->check({full})) {
          const auto bytes = state_->liveness->get(full);
          return std::string(bytes.begin(), bytes.end());
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  } catch (const std::exception& e) {
    throw PeerError(Cat("rank ", rank(), " of ", world_size(), ": lost rank 0 while waiting for it to share '", key,
                        "': ", FirstLine(e.what())));
  }
}

}  // namespace merhan

namespace merhan {

DistributedContext DistributedContext::FromEnvironment(const torch::Device& device) {
  DistributedContext context;
  context.launch = DistributedLaunch::FromEnvironment();
  if (!context.launch.Distributed()) return context;
  // Only rank 0 logs; the others keep their errors (docs/design.md "Data-parallel training").
  if (!context.IsWriter()) SetupLogging("error");
  torch::Device rank_device = device;
  if (device.is_cuda()) {  // one GPU per local rank
    const int count = static_cast<int>(torch::cuda::device_count());
    rank_device =
        torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(context.launch.local_rank % std::max(1, count)));
  }
  log::Info(Cat("data-parallel training: ", context.launch.ToString(), ", backend ",
                rank_device.is_cuda() ? "nccl" : "gloo", " on ", rank_device.str()));
  context.group = ProcessGroup::Connect(context.launch, rank_device);
  return context;
}

}  // namespace merhan
