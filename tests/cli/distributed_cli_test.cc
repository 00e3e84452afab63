// Data-parallel `merhan train` in several processes on 127.0.0.1 (Gloo), on the
// `tiny` synthetic corpus with a tiny MER-HAN and dropout off
// (docs/design.md "Data-parallel training"). The gradients equal the
// one-process gradients to float rounding (tests/dist/distributed_test.cc,
// 1e-6), so every epoch's losses agree within 1e-6 and the metrics exactly. With
// plain SGD the parameters agree within 1e-6 too; with Adam only within 1e-3,
// because Adam turns rounding-level differences of near-zero gradients
// (attention key biases have a zero true gradient) into steps of up to lr:
//  - 2 ranks end with the parameters of 1 process with the same global batch
//    (SGD: within 1e-6; Adam under torchrun: 1e-3) and the same validation metrics;
//  - Slurm's environment (no daemon: the variables are set here) launches too;
//  - a 2-rank run cut after 2 epochs and resumed on 2 ranks equals the
//    uninterrupted 2-rank run, and resumed on 1 process it finishes;
//  - a rank killed with SIGKILL mid-training makes rank 0 exit with the peer
//    exit code (5) well within MERHAN_DIST_TIMEOUT, naming the lost rank.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "merhan/dist/process_group.h"
#include "merhan/runtime/inference.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;

using testing::OnlyRun;
using testing::Quote;
using testing::ReadJson;
using testing::Slurp;

// A TCP port on 127.0.0.1 that nobody listens on, at or above `from`.
int FreePort(int from) {
  for (int port = from; port < from + 2000; ++port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (ok) return port;
  }
  return from;
}

int NextPort() {
  static int next = 21000 + static_cast<int>(::getpid() % 8000);
  const int port = FreePort(next);
  next = port + 1;
  return port;
}

enum class Launch { kOneProcess, kTorchrunEnv, kSlurmEnv };

class DistributedTrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (DistributedBackends().empty()) return;
    dir_ = new testing::TempDir();
    const auto made = testing::MakeTinyCorpus(*dir_, 3);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    std::ofstream(dir_->File("ddp.json"))
        << testing::TinyTrainConfig(*dir_, {{"model", {{"lstm_hidden", 8}, {"cma_dim", 8}, {"dropout", 0.0}}},
                                            {"run", {{"folds", {0}}, {"out_dir", dir_->File("runs")}}},
                                            {"train", {{"batch_size", 15}}}})
               .dump(2);
    const auto features = RunCommand(Merhan("features --config " + Quote(dir_->File("ddp.json"))));
    ASSERT_EQ(features.exit_code, 0) << features.output;
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    if (DistributedBackends().empty()) GTEST_SKIP() << "built without Gloo (Debian libgloo-dev)";
  }

  static std::string Merhan(const std::string& args) {
    return Quote(testing::MerhanBinary()) + " --log-level info " + args;
  }

  // The environment of rank `r` of `n` under `launch`.
  static std::string Env(Launch launch, int r, int n, int port) {
    const std::string common = "env -u RANK -u WORLD_SIZE -u SLURM_PROCID -u SLURM_NTASKS MERHAN_DIST_TIMEOUT=20 ";
    if (launch == Launch::kTorchrunEnv) {
      return common + Cat("RANK=", r, " WORLD_SIZE=", n, " LOCAL_RANK=", r, " LOCAL_WORLD_SIZE=", n,
                          " MASTER_ADDR=127.0.0.1 MASTER_PORT=", port, " ");
    }
    if (launch == Launch::kSlurmEnv) {  // the port derived from the job id (20000 + id mod 10000)
      return common + Cat("SLURM_PROCID=", r, " SLURM_NTASKS=", n, " SLURM_LOCALID=", r, " SLURM_NODEID=0",
                          " SLURM_TASKS_PER_NODE=", n, " SLURM_JOB_NODELIST=localhost SLURM_JOB_ID=", port - 20000,
                          " ");
    }
    return common;
  }

  struct Ranks {
    std::vector<int> exit_codes;
    std::vector<std::string> logs;
    std::string script_output;
  };

  // Starts `n` ranks of `merhan train ARGS` at once and waits for them all.
  // `between` runs in the shell after the start (PIDs in $p0, $p1, ...).
  static Ranks Start(Launch launch, int n, const std::string& args, const std::string& between = "") {
    const int port = launch == Launch::kSlurmEnv ? FreePort(20000 + static_cast<int>(::getpid() % 7000)) : NextPort();
    std::string script = "cd " + Quote(dir_->path()) + "; ";
    for (int r = 0; r < n; ++r) {
      script += Cat(Env(launch, r, n, port), "timeout 120 ", Merhan("train " + args), " > rank", r, ".log 2>&1 & p", r,
                    "=$!; ");
    }
    script += between;
    for (int r = 0; r < n; ++r) script += Cat("wait $p", r, "; echo \"EXIT", r, "=$?\"; ");
    const auto out = RunCommand("bash -c " + Quote(script));
    Ranks ranks;
    ranks.script_output = out.output;
    for (int r = 0; r < n; ++r) {
      std::smatch m;
      const std::regex re(Cat("EXIT", r, "=([0-9]+)"));
      ranks.exit_codes.push_back(std::regex_search(out.output, m, re) ? std::stoi(m[1]) : -1);
      ranks.logs.push_back(Slurp(dir_->File(Cat("rank", r, ".log"))));
    }
    return ranks;
  }

  static std::string Train(Launch launch, int n, const std::string& name, const std::string& extra = "") {
    const Ranks ranks =
        Start(launch, n, "--config " + Quote(dir_->File("ddp.json")) + " --set run.name=" + name + " " + extra);
    for (int r = 0; r < n; ++r) EXPECT_EQ(ranks.exit_codes[r], 0) << "rank " << r << ":\n" << ranks.logs[r];
    return OnlyRun(dir_->File("runs/" + name));
  }

  // Largest absolute difference between the parameters of two checkpoints.
  static double ParameterDistance(const std::string& a, const std::string& b) {
    const auto pa = LoadModelForInference(a, LoadOptions{"cpu"}).model->named_parameters();
    const auto pb = LoadModelForInference(b, LoadOptions{"cpu"}).model->named_parameters();
    EXPECT_EQ(pa.size(), pb.size());
    double worst = 0;
    for (const auto& p : pa) worst = std::max(worst, (p.value() - pb[p.key()]).abs().max().item<double>());
    return worst;
  }

  static const std::string& Single() {
    static const std::string run = Train(Launch::kOneProcess, 1, "single");
    return run;
  }

  static testing::TempDir* dir_;
};
testing::TempDir* DistributedTrain::dir_ = nullptr;

const char* kFold = "/fold-0/seed-1/";

TEST_F(DistributedTrain, TwoRanksWithSgdEndWithTheParametersOfOneProcess) {
  const std::string sgd = "--set train.optimizer=sgd --set train.lr=0.05";
  const std::string one = Train(Launch::kOneProcess, 1, "sgd-one", sgd);
  const std::string two = Train(Launch::kTorchrunEnv, 2, "sgd-two", sgd);
  EXPECT_LE(ParameterDistance(one + kFold + "last.ckpt", two + kFold + "last.ckpt"), 1e-6);
  EXPECT_GT(ParameterDistance(one + kFold + "last.ckpt", Single() + kFold + "last.ckpt"), 1e-3);  // SGD did train
}

TEST_F(DistributedTrain, TwoTorchrunRanksEqualOneProcess) {
  const std::string one = Single();
  // torchrun itself (offline: a static rendezvous on 127.0.0.1).
  const int port = NextPort();
  const auto run = RunCommand("cd " + Quote(dir_->path()) + " && MERHAN_DIST_TIMEOUT=20 timeout 120 " +
                              Quote(testing::PythonBinary()) + " -m torch.distributed.run --nproc-per-node 2" +
                              " --master-addr 127.0.0.1 --master-port " + std::to_string(port) + " --no-python " +
                              Merhan("train --config " + Quote(dir_->File("ddp.json")) + " --set run.name=torchrun"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string two = OnlyRun(dir_->File("runs/torchrun"));
  EXPECT_LE(ParameterDistance(one + kFold + "last.ckpt", two + kFold + "last.ckpt"), 1e-3);
  // The same epochs, losses and validation metrics (gathered, not averaged).
  std::ifstream a(one + kFold + "metrics.jsonl"), b(two + kFold + "metrics.jsonl");
  std::string la, lb;
  int lines = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    const auto ja = nlohmann::json::parse(la), jb = nlohmann::json::parse(lb);
    EXPECT_EQ(jb["world_size"], 2);
    EXPECT_EQ(jb["threads"], 1);
    EXPECT_NEAR(ja["train_loss"].get<double>(), jb["train_loss"].get<double>(), 1e-6);
    EXPECT_NEAR(ja["val_loss"].get<double>(), jb["val_loss"].get<double>(), 1e-6);
    EXPECT_EQ(ja["val_war"], jb["val_war"]);
    EXPECT_EQ(ja["val_uar"], jb["val_uar"]);
    ++lines;
  }
  EXPECT_EQ(lines, 3);
  EXPECT_EQ(ReadJson(one + kFold + "test_metrics.json")["test"]["confusion"],
            ReadJson(two + kFold + "test_metrics.json")["test"]["confusion"]);
  // Rank 1 logs nothing but errors: no epoch line of its own.
  const std::regex epoch_line("epoch 1/3: train loss");
  const auto lines_begin = std::sregex_iterator(run.output.begin(), run.output.end(), epoch_line);
  EXPECT_EQ(std::distance(lines_begin, std::sregex_iterator()), 1) << run.output;
}

TEST_F(DistributedTrain, ResumedTwoRankRunEqualsTheUninterruptedOneAndResumesOnOneProcess) {
  const std::string whole = Train(Launch::kTorchrunEnv, 2, "whole");
  // Cut after 2 of 3 epochs (launched by Slurm's environment), then reopened
  // with the 3-epoch budget: once on 2 ranks, once (a copy) on 1 process.
  const std::string cut = Train(Launch::kSlurmEnv, 2, "cut", "--set train.epochs=2");
  for (const char* f : {"done.json", "test_metrics.json", "predictions.csv"}) fs::remove(cut + kFold + f);
  nlohmann::json config = ReadJson(cut + "/config.json");
  config["train"]["epochs"] = 3;
  std::ofstream(cut + "/config.json") << config.dump(2);
  const std::string copy = dir_->File("cut-copy");
  fs::copy(cut, copy, fs::copy_options::recursive);

  const Ranks two = Start(Launch::kTorchrunEnv, 2, "--resume " + Quote(cut));
  ASSERT_EQ(two.exit_codes, (std::vector<int>{0, 0})) << two.logs[0] << two.logs[1];
  EXPECT_EQ(Slurp(whole + kFold + "predictions.csv"), Slurp(cut + kFold + "predictions.csv"));
  EXPECT_EQ(ReadJson(whole + kFold + "test_metrics.json")["test"], ReadJson(cut + kFold + "test_metrics.json")["test"]);
  EXPECT_EQ(ParameterDistance(whole + kFold + "last.ckpt", cut + kFold + "last.ckpt"), 0.0);

  const Ranks one = Start(Launch::kOneProcess, 1, "--resume " + Quote(copy));
  ASSERT_EQ(one.exit_codes[0], 0) << one.logs[0];
  std::ifstream metrics(copy + std::string(kFold) + "metrics.jsonl");
  std::vector<int> world_sizes;
  for (std::string line; std::getline(metrics, line);) world_sizes.push_back(nlohmann::json::parse(line)["world_size"]);
  EXPECT_EQ(world_sizes, (std::vector<int>{2, 2, 1}));
  // Two epochs on 2 ranks and one on 1 process: still the one-process run.
  EXPECT_LE(ParameterDistance(Single() + kFold + "last.ckpt", copy + kFold + "last.ckpt"), 1e-3);
  std::ifstream single(Single() + kFold + "metrics.jsonl");
  std::string last_line;
  for (std::string line; std::getline(single, line);) last_line = line;
  std::ifstream resumed(copy + std::string(kFold) + "metrics.jsonl");
  std::string resumed_last;
  for (std::string line; std::getline(resumed, line);) resumed_last = line;
  EXPECT_NEAR(nlohmann::json::parse(last_line)["val_loss"].get<double>(),
              nlohmann::json::parse(resumed_last)["val_loss"].get<double>(), 1e-6);
}

TEST_F(DistributedTrain, AKilledRankStopsTheOtherWithItsNumber) {
  // Many epochs so that it is still training; rank 1 (the child of its
  // `timeout`) is killed once rank 0 has finished an epoch.
  const std::string wait_then_kill =
      "for i in $(seq 1 900); do ls runs/killed/*/fold-0/seed-1/metrics.jsonl >/dev/null 2>&1 && "
      "[ -s \"$(ls runs/killed/*/fold-0/seed-1/metrics.jsonl | head -1)\" ] && break; sleep 0.1; done; "
      "pkill -KILL -P $p1; t0=$(date +%s%N); wait $p0; e0=$?; t1=$(date +%s%N); "
      "echo \"ELAPSED_MS=$(( (t1 - t0) / 1000000 ))\"; ";
  const Ranks ranks =
      Start(Launch::kTorchrunEnv, 2,
            "--config " + Quote(dir_->File("ddp.json")) + " --set run.name=killed --set train.epochs=500",
            wait_then_kill + "echo \"EXIT0=$e0\"; ");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(ranks.script_output, m, std::regex("ELAPSED_MS=([0-9]+)"))) << ranks.script_output;
  EXPECT_LT(std::stoi(m[1]), 20000) << "rank 0 must stop within MERHAN_DIST_TIMEOUT";
  EXPECT_EQ(ranks.exit_codes[0], 5) << ranks.logs[0];
  EXPECT_NE(ranks.logs[0].find("lost rank 1"), std::string::npos) << ranks.logs[0];
  EXPECT_EQ(ranks.exit_codes[1], 137);  // SIGKILL
}

}  // namespace
}  // namespace merhan
