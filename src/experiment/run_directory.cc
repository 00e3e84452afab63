#include "merhan/experiment/run_directory.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "merhan/results/run_layout.h"
#include "merhan/runtime/environment.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

std::string JoinCommand(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  return cmd;
}

std::string UtcStamp(const char* format) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), format, std::gmtime(&now));
  return stamp;
}

// config.json last: in a shared run directory it marks a complete start.
void WriteRunFiles(const RunDirectory& run, const ExperimentConfig& config, const std::vector<std::string>& argv) {
  WriteStringAtomically(run.File("environment.json"), CollectRuntimeInfo().ToJson().dump(2) + "\n");
  WriteStringAtomically(run.File("command.txt"), JoinCommand(argv) + "\n");
  WriteStringAtomically(run.File("config.json"), config.ToJson().dump(2) + "\n");
}

// Keys that may differ between the jobs of one run: where and how fast a job
// runs, not what it computes (cached features are keyed by their content).
const char* const kJobLocalKeys[] = {"/run/threads", "/run/out_dir", "/run/name", "/train/num_workers",
                                     "/data/cache_dir"};

// The first key path where two configs differ, e.g. "/train/lr", job-local keys apart.
std::string FirstDifference(nlohmann::json a, nlohmann::json b) {
  for (const char* key : kJobLocalKeys) {
    const nlohmann::json::json_pointer ptr(key);
    for (nlohmann::json* j : {&a, &b}) {
      if (j->contains(ptr)) j->at(ptr.parent_pointer()).erase(ptr.back());
    }
  }
  const nlohmann::json patch = nlohmann::json::diff(a, b);
  return patch.empty() ? "" : patch[0].value("path", "/");
}

}  // namespace

// What a job into a shared run directory must agree on: the config and what
// could change its numbers (merhan's revision, LibTorch). Devices and threads may
// differ from job to job.
void RunDirectory::CheckShared(const ExperimentConfig& config, const std::string& dir) {
  const RunDirectory run{dir};
  const std::string config_path = run.File("config.json");
  const nlohmann::json stored = ParseJson(ReadFileToString(config_path), config_path);
  const std::string key = FirstDifference(stored, config.ToJson());
  if (!key.empty()) {
    throw UsageError(Cat("run directory ", run.path, " holds a run of another config: ", config_path,
                         " and the given config differ at ", key,
                         "; give the same config and --set overrides, or another --run-dir"));
  }
  const std::string env_path = run.File("environment.json");
  const nlohmann::json env = ParseJson(ReadFileToString(env_path), env_path);
  const nlohmann::json mine = CollectRuntimeInfo().ToJson();
  for (const char* k : {"merhan_version", "git_revision", "torch_version"}) {
    if (env.value(k, std::string()) != mine.value(k, std::string())) {
      throw UsageError(Cat("run directory ", run.path, " was started by another build: ", env_path, " has ", k, " ",
                           env.value(k, std::string("(none)")), ", this merhan has ", mine.value(k, std::string()),
                           "; train with the same build, or into another --run-dir"));
    }
  }
}

namespace {

void AppendJob(const RunDirectory& run, const std::vector<std::string>& argv) {
  const std::string path = run.File("jobs.txt");
  std::string jobs = fs::exists(path) ? ReadFileToString(path) : "";
  char host[256] = "?";
  ::gethostname(host, sizeof(host) - 1);
  jobs += Cat(UtcStamp("%Y-%m-%dT%H:%M:%SZ"), " ", host, " pid ", ::getpid(), ": ", JoinCommand(argv), "\n");
  WriteStringAtomically(path, jobs);
}

}  // namespace

RunDirectory RunDirectory::Create(const ExperimentConfig& config, const std::vector<std::string>& argv) {
  const std::string stamp = UtcStamp("%Y%m%d-%H%M%S");
  const fs::path parent = fs::path(config.run.out_dir) / config.run.name;
  CreateDirectories(parent.string());
  // Two runs started in the same second get -1, -2, ...: never reuse a directory.
  fs::path dir = parent / stamp;
  for (int i = 1;; ++i) {
    std::error_code ec;
    if (fs::create_directory(dir, ec)) break;
    if (ec) throw DataError("cannot create run directory " + dir.string() + ": " + ec.message());
    dir = parent / (stamp + "-" + std::to_string(i));
  }
  RunDirectory run{dir.string()};
  WriteRunFiles(run, config, argv);
  return run;
}

RunDirectory RunDirectory::OpenShared(const ExperimentConfig& config, const std::vector<std::string>& argv,
                                      const std::string& dir, const std::function<void(const std::string&)>& describe) {
  if (dir.empty()) throw UsageError("--run-dir: empty path");
  CreateDirectories(dir);
  RunDirectory run{dir};
  const FileLock lock = run.Lock();
  if (fs::exists(run.File("config.json"))) {
    CheckShared(config, run.path);
  } else {
    if (describe) describe(run.path);
    WriteRunFiles(run, config, argv);
  }
  AppendJob(run, argv);
  return run;
}

FileLock LockFoldSeed(const std::string& fold_seed_dir) {
  std::optional<FileLock> lock = FileLock::TryAcquire(fold_seed_dir + "/.lock");
  if (!lock) {
    throw UsageError(Cat(fold_seed_dir,
                         " is being trained by another process (see the run's jobs.txt); "
                         "run each (fold, seed) in one job only"));
  }
  return std::move(*lock);
}

bool FoldSeedIsLocked(const std::string& fold_seed_dir) {
  return !FileLock::TryAcquire(fold_seed_dir + "/.lock").has_value();
}

}  // namespace merhan
