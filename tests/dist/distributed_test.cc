// Data-parallel training below the CLI: the launch environment of torchrun and
// Slurm, and the collectives on two Gloo ranks in one process
// (two threads on 127.0.0.1): the bucketed gradient all-reduce gives the
// one-process gradient of the global batch (checked against autograd on the
// whole batch, 1e-6), and gathered rows come back whole and in rank order.
// The multi-process tests (equivalence, a killed rank, resume) are in
// tests/cli/distributed_cli_test.cc.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <map>

#include "merhan/dist/distributed.h"
#include "merhan/dist/gradient_reducer.h"
#include "merhan/dist/process_group.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

using EnvMap = std::map<std::string, std::string>;

DistributedLaunch FromMap(const EnvMap& env) {
  return DistributedLaunch::FromEnvironment([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(DistributedLaunch, NoLauncherIsOneProcess) {
  const auto d = FromMap({});
  EXPECT_EQ(d.launcher, Launcher::kNone);
  EXPECT_EQ(d.world_size, 1);
  EXPECT_FALSE(d.Distributed());
  EXPECT_TRUE(d.IsWriter());
}

TEST(DistributedLaunch, ReadsTorchrun) {
  const auto d = FromMap({{"RANK", "3"},
                          {"WORLD_SIZE", "4"},
                          {"LOCAL_RANK", "1"},
                          {"LOCAL_WORLD_SIZE", "2"},
                          {"MASTER_ADDR", "node7"},
                          {"MASTER_PORT", "29411"},
                          {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                          {"MERHAN_DIST_TIMEOUT", "20"}});
  EXPECT_EQ(d.launcher, Launcher::kTorchrun);
  EXPECT_EQ(d.rank, 3);
  EXPECT_EQ(d.world_size, 4);
  EXPECT_EQ(d.local_rank, 1);
  EXPECT_EQ(d.local_world_size, 2);
  EXPECT_EQ(d.master_addr, "node7");
  EXPECT_EQ(d.master_port, 29411);
  EXPECT_TRUE(d.launcher_hosts_store);
  EXPECT_EQ(d.timeout_seconds, 20);
  EXPECT_FALSE(d.IsWriter());
  EXPECT_NE(d.ToString().find("rank 3 of 4"), std::string::npos);
  EXPECT_EQ(d.ToJson()["launcher"], "torchrun");
}

TEST(DistributedLaunch, ReadsSlurmWithTheFirstHostAndAJobPort) {
  const auto d = FromMap({{"SLURM_PROCID", "5"},
                          {"SLURM_NTASKS", "6"},
                          {"SLURM_LOCALID", "1"},
                          {"SLURM_NODEID", "2"},
                          {"SLURM_TASKS_PER_NODE", "2(x3)"},
                          {"SLURM_JOB_NODELIST", "gpu[07-09],cpu1"},
                          {"SLURM_JOB_ID", "123456"}});
  EXPECT_EQ(d.launcher, Launcher::kSlurm);
  EXPECT_EQ(d.rank, 5);
  EXPECT_EQ(d.world_size, 6);
  EXPECT_EQ(d.local_rank, 1);
  EXPECT_EQ(d.local_world_size, 2);
  EXPECT_EQ(d.master_addr, "gpu07");
  EXPECT_EQ(d.master_port, 20000 + 123456 % 10000);
  // MASTER_ADDR / MASTER_PORT win; SLURM_NODELIST is the older name.
  const auto e =
      FromMap({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "a,b"}, {"MASTER_PORT", "4000"}});
  EXPECT_EQ(e.master_addr, "a");
  EXPECT_EQ(e.master_port, 4000);
  EXPECT_EQ(e.local_world_size, 2);
}

TEST(DistributedLaunch, TorchrunWinsInsideASlurmAllocation) {
  const auto d = FromMap({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"RANK", "1"}, {"WORLD_SIZE", "2"}});
  EXPECT_EQ(d.launcher, Launcher::kTorchrun);
  EXPECT_EQ(d.rank, 1);
}

TEST(DistributedLaunch, BadValuesNameTheVariable) {
  auto message = [](const EnvMap& env) {
    try {
      FromMap(env);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"RANK", "x"}, {"WORLD_SIZE", "2"}}).find("RANK=x"), std::string::npos);
  EXPECT_NE(message({{"RANK", "2"}, {"WORLD_SIZE", "2"}}).find("rank 2 is outside 0..1"), std::string::npos);
  EXPECT_NE(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}).find("MASTER_PORT"),
            std::string::npos);
  EXPECT_NE(message({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_JOB_NODELIST", "n[1-"}}).find("n[1-"),
            std::string::npos);
  EXPECT_NE(message({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}).find("SLURM_JOB_NODELIST"), std::string::npos);
  EXPECT_NE(message({{"MERHAN_DIST_TIMEOUT", "0"}}).find("MERHAN_DIST_TIMEOUT"), std::string::npos);
}

TEST(SlurmNodeList, FirstHostOfTheCompressedForm) {
  EXPECT_EQ(FirstSlurmHost("node[01-04],other"), "node01");
  EXPECT_EQ(FirstSlurmHost("node[07,09-11]"), "node07");
  EXPECT_EQ(FirstSlurmHost("x[5]"), "x5");
  EXPECT_EQ(FirstSlurmHost("solo"), "solo");
  EXPECT_EQ(FirstSlurmHost("a,b[1-2]"), "a");
  EXPECT_THROW(FirstSlurmHost("[1-2]"), UsageError);
  EXPECT_THROW(FirstSlurmHost("n[a-b]"), UsageError);
  EXPECT_THROW(FirstSlurmHost(""), UsageError);
}

TEST(SlurmNodeList, TasksOnThisNode) {
  EXPECT_EQ(SlurmTasksOnNode("2(x3),1", 0), 2);
  EXPECT_EQ(SlurmTasksOnNode("2(x3),1", 2), 2);
  EXPECT_EQ(SlurmTasksOnNode("2(x3),1", 3), 1);
  EXPECT_EQ(SlurmTasksOnNode("4", 0), 4);
  EXPECT_THROW(SlurmTasksOnNode("2(x3),1", 4), UsageError);
  EXPECT_THROW(SlurmTasksOnNode("2(x3", 0), UsageError);
}

// A port nobody listens on now (the kernel's choice).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// libtorch keeps one flight recorder per process, and its record() adds each
// new process group to a map before taking its lock (FlightRecorderDetail.hpp,
// torch 2.11). Two groups whose first collectives start together in one process
// can corrupt that map and crash. merhan runs one group per process; only this
// harness, two ranks in one process, has two. The recorder reads its size once,
// when it is first used, so it is switched off before any group exists.
void SwitchOffTheFlightRecorder() {
  static const bool once = [] { return ::setenv("TORCH_FR_BUFFER_SIZE", "0", /*overwrite=*/1) == 0; }();
  ASSERT_TRUE(once);
}

// Runs `body(group)` on ranks 0 and 1 of a Gloo group, each in its own thread.
template <typename Body>
void OnTwoRanks(Body body) {
  SwitchOffTheFlightRecorder();
  const int port = FreePort();
  auto rank = [&](int r) {
    at::set_num_threads(1);
    DistributedLaunch launch;
    launch.launcher = Launcher::kTorchrun;
    launch.rank = r;
    launch.world_size = 2;
    launch.local_rank = r;
    launch.local_world_size = 2;
    launch.master_port = port;
    launch.timeout_seconds = 20;
    auto group = ProcessGroup::Connect(launch, torch::kCPU);
    body(*group, std::shared_ptr<ProcessGroup>(group));
  };
  auto other = std::async(std::launch::async, rank, 1);
  rank(0);
  other.get();
}

struct Net {
  torch::nn::Linear a{6, 5}, b{5, 3}, unused{2, 2};
  std::vector<torch::Tensor> Parameters() {
    std::vector<torch::Tensor> p = a->parameters();
    for (const auto& t : b->parameters()) p.push_back(t);
    for (const auto& t : unused->parameters()) p.push_back(t);
    return p;
  }
  torch::Tensor Loss(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& w) {
    return torch::nn::functional::cross_entropy(b(torch::tanh(a(x))), y,
                                                torch::nn::functional::CrossEntropyFuncOptions().weight(w));
  }
};

// The same weights in every Net built after this seed.
Net MakeNet() {
  torch::manual_seed(7);
  return Net();
}

TEST(GradientReducer, TwoRanksGiveTheGlobalBatchGradient) {
  if (DistributedBackends().empty()) GTEST_SKIP() << "built without Gloo";
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({9, 6}), y = torch::randint(0, 3, {9});
  const torch::Tensor weights = torch::tensor({0.5f, 2.0f, 1.25f});
  for (const bool weighted : {false, true}) {
    const torch::Tensor w = weighted ? weights : torch::Tensor();
    Net whole = MakeNet();
    whole.Loss(x, y, w).backward();
    std::vector<std::vector<torch::Tensor>> grads(2);
    std::vector<GradientReducer::Totals> totals(2);
    // Rank 0 gets 4 items, rank 1 gets 5 (a 9-item global batch); a second,
    // 1-item batch leaves rank 0 with nothing.
    std::vector<std::vector<torch::Tensor>> grads_short(2);
    std::vector<Net> nets = {MakeNet(), MakeNet()};  // here: the global generator is not thread-safe
    OnTwoRanks([&](ProcessGroup& group, std::shared_ptr<ProcessGroup> shared) {
      const int r = group.rank();
      Net& net = nets[static_cast<size_t>(r)];
      GradientReducer reducer(shared, net.Parameters(), /*bucket_bytes=*/64);  // several buckets
      EXPECT_GT(reducer.num_buckets(), 2);
      auto step = [&](const torch::Tensor& xs, const torch::Tensor& ys) {
        for (auto& p : net.Parameters()) p.mutable_grad() = torch::Tensor();
        GradientReducer::Totals local;
        local.items = xs.size(0);
        if (local.items > 0) {
          const torch::Tensor loss = net.Loss(xs, ys, w);
          loss.backward();
          local.weight = weighted ? w.index({ys}).sum().item<double>() : static_cast<double>(local.items);
          local.loss_sum = loss.item<double>() * local.weight;
        }
        return reducer.Reduce(local);
      };
      totals[r] = step(x.narrow(0, r * 4, r == 0 ? 4 : 5), y.narrow(0, r * 4, r == 0 ? 4 : 5));
      for (const auto& p : net.Parameters())
        grads[r].push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
      step(x.narrow(0, 0, r == 0 ? 0 : 1), y.narrow(0, 0, r == 0 ? 0 : 1));
      for (const auto& p : net.Parameters())
        grads_short[r].push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
    });
    const auto reference = whole.Parameters();
    for (int r = 0; r < 2; ++r) {
      EXPECT_EQ(totals[r].items, 9);
      const double expected_weight = weighted ? weights.index({y}).sum().item<double>() : 9.0;
      EXPECT_NEAR(totals[r].weight, expected_weight, 1e-9);
      EXPECT_NEAR(totals[r].loss_sum / totals[r].weight, whole.Loss(x, y, w).item<double>(), 1e-6);
      for (size_t i = 0; i < reference.size(); ++i) {
        if (!reference[i].grad().defined()) {  // `unused` has a gradient on no rank: none after reduction
          EXPECT_FALSE(grads[r][i].defined()) << i;
          continue;
        }
        ASSERT_TRUE(grads[r][i].defined()) << i;
        EXPECT_LT((grads[r][i] - reference[i].grad()).abs().max().item<double>(), 1e-6) << "weighted " << weighted;
      }
    }
    // The 1-item step: rank 0 had no item but gets rank 1's gradient.
    Net one = MakeNet();
    one.Loss(x.narrow(0, 0, 1), y.narrow(0, 0, 1), w).backward();
    for (int r = 0; r < 2; ++r) {
      EXPECT_LT((grads_short[r][0] - one.Parameters()[0].grad()).abs().max().item<double>(), 1e-6);
    }
  }
}

TEST(ProcessGroup, GathersRowsOfDifferentCountsInRankOrder) {
  if (DistributedBackends().empty()) GTEST_SKIP() << "built without Gloo";
  std::vector<std::vector<torch::Tensor>> got(2);
  std::vector<std::string> shared(2);
  OnTwoRanks([&](ProcessGroup& group, std::shared_ptr<ProcessGroup>) {
    const int r = group.rank();
    const torch::Tensor mine = torch::arange(r == 0 ? 2 : 3, torch::kInt64).view({-1, 1}) + 10 * r;
    got[r] = group.AllGatherRows(mine, "test gather");
    shared[r] = group.ShareFromRank0("answer", r == 0 ? "forty-two" : "");
    group.AllReduceSum({torch::zeros({1})}, "barrier");  // rank 0 hosts the store: it leaves last
  });
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(got[r].size(), 2u);
    EXPECT_TRUE(torch::equal(got[r][0].view(-1), torch::tensor({0, 1}, torch::kInt64)));
    EXPECT_TRUE(torch::equal(got[r][1].view(-1), torch::tensor({10, 11, 12}, torch::kInt64)));
    EXPECT_EQ(shared[r], "forty-two");
  }
}

}  // namespace
}  // namespace merhan
