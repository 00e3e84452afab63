// A run directory: runs/<name>/<timestamp>/ (or one the user names with
// `merhan train --run-dir`) holding the resolved config, the git revision and the
// library versions, so that every result can be traced back, and one
// fold-K/seed-S/ folder per (fold, seed) trained.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "merhan/results/run_layout.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/file_lock.h"

namespace merhan {

struct RunDirectory {
  std::string path;

  // Creates <run.out_dir>/<run.name>/<UTC timestamp>[-N]/ and writes
  // config.json (resolved), environment.json (git revision, library versions,
  // devices) and command.txt (the command line).
  static RunDirectory Create(const ExperimentConfig& config, const std::vector<std::string>& argv);

  // Opens `dir` for one of several jobs that train into it, possibly at the same
  // time (`merhan train --run-dir`). Under the directory's lock: the first job
  // creates it, writes what Create writes and calls `describe` (data.json,
  // folds.md); a later job must bring the same config (apart from where and how
  // fast it runs: run.threads, run.out_dir, run.name, train.num_workers,
  // data.cache_dir) and the same merhan revision and LibTorch (else UsageError
  // naming the first difference). Every job appends its command line to jobs.txt.
  static RunDirectory OpenShared(const ExperimentConfig& config, const std::vector<std::string>& argv,
                                 const std::string& dir, const std::function<void(const std::string&)>& describe);

  // The check OpenShared makes of a directory that has its config.json.
  static void CheckShared(const ExperimentConfig& config, const std::string& dir);

  std::string File(const std::string& name) const { return path + "/" + name; }
  // Held while the run's shared files (config.json, jobs.txt, summary.*,
  // report.html) are read and rewritten by one of several jobs.
  FileLock Lock() const { return FileLock::Acquire(File(".run.lock")); }
};

// Held by the process that trains a (fold, seed) in `fold_seed_dir` (which must
// exist): a second process asking for the same pair gets a UsageError, so two
// jobs never write one pair's files.
FileLock LockFoldSeed(const std::string& fold_seed_dir);
// Whether a process holds that lock now (the pair is being trained).
bool FoldSeedIsLocked(const std::string& fold_seed_dir);

}  // namespace merhan
