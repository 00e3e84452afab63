#include "merhan/experiment/run_merge.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "merhan/experiment/run_config.h"
#include "merhan/experiment/run_directory.h"
#include "merhan/results/report.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

// Position of `v` in `order`, values not listed after them by value.
std::pair<size_t, int> Rank(const std::vector<int>& order, int v) {
  const auto it = std::find(order.begin(), order.end(), v);
  return {static_cast<size_t>(it - order.begin()), v};
}

// What config.json plans: run.seeds and run.folds. Read from the JSON as it is:
// the plan needs no valid data section (tests drive the trainer without a corpus).
struct Plan {
  std::vector<int> seeds, folds;
};

Plan ReadPlan(const std::string& run_dir) {
  const std::string path = run_dir + "/config.json";
  const nlohmann::json config = ParseJson(ReadFileToString(path), path);
  Plan plan;
  try {
    const nlohmann::json run = config.value("run", nlohmann::json::object());
    plan.seeds = run.value("seeds", std::vector<int>{});
    plan.folds = run.value("folds", std::vector<int>{});
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": run.seeds and run.folds must be lists of integers: " + e.what());
  }
  return plan;
}

// The folds planned: run.folds, else one per fold of data.json.
std::vector<int> PlannedFolds(const std::string& run_dir, const Plan& plan) {
  if (!plan.folds.empty()) return plan.folds;
  std::vector<int> folds;
  const std::string data_path = run_dir + "/data.json";
  if (!fs::exists(data_path)) return folds;  // a run without a corpus description: those found
  const nlohmann::json data = ParseJson(ReadFileToString(data_path), data_path);
  if (!data.contains("folds") || !data["folds"].is_array()) throw DataError(data_path + ": no \"folds\" array");
  for (size_t k = 0; k < data["folds"].size(); ++k) folds.push_back(static_cast<int>(k));
  return folds;
}

int CountLines(const std::string& path) {
  if (!fs::exists(path)) return 0;
  const std::string text = ReadFileToString(path);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

FoldSeedStatus StatusOf(const FoldSeedEntry& e) {
  FoldSeedStatus s;
  s.fold = e.fold;
  s.seed = e.seed;
  s.epochs_done = CountLines(e.dir + "/metrics.jsonl");
  if (e.finished) {
    s.state = FoldSeedState::kFinished;
  } else {
    s.state = FoldSeedIsLocked(e.dir) ? FoldSeedState::kRunning : FoldSeedState::kUnfinished;
  }
  return s;
}

// The classes every finished pair was tested with (they must agree).
std::vector<std::string> TestedClasses(const std::string& run_dir, const std::vector<FoldSeedStatus>& finished,
                                       const ExperimentConfig& config) {
  std::vector<std::string> classes;
  for (const auto& s : finished) {
    const std::string path = FoldSeedDir(run_dir, s.fold, s.seed) + "/test_metrics.json";
    const nlohmann::json j = ParseJson(ReadFileToString(path), path);
    if (!j.contains("test") || !j["test"].contains("classes")) continue;
    const auto these = j["test"]["classes"].get<std::vector<std::string>>();
    if (classes.empty()) classes = these;
    if (these != classes) throw DataError(path + ": tested with other classes than the run's other folds");
  }
  return classes.empty() ? config.data.classes : classes;
}

}  // namespace

const char* FoldSeedStateName(FoldSeedState state) {
  switch (state) {
    case FoldSeedState::kFinished: return "finished";
    case FoldSeedState::kRunning: return "running";
    case FoldSeedState::kUnfinished: return "unfinished";
    case FoldSeedState::kMissing: return "missing";
  }
  return "?";
}

std::string FoldSeedStatus::ToString() const {
  std::string s = Cat("fold ", fold, " seed ", seed, ": ", FoldSeedStateName(state));
  if (state == FoldSeedState::kRunning || state == FoldSeedState::kUnfinished)
    s += Cat(", ", epochs_done, " epoch(s) done");
  return s;
}

std::vector<FoldSeedStatus> InspectRun(const std::string& run_dir) {
  const Plan plan = ReadPlan(run_dir);
  const std::vector<int>& seeds = plan.seeds;
  const std::vector<int> folds = PlannedFolds(run_dir, plan);
  std::map<std::pair<int, int>, FoldSeedStatus> found;  // (fold, seed)
  for (const FoldSeedEntry& e : ListFoldSeeds(run_dir)) found[{e.fold, e.seed}] = StatusOf(e);
  for (int seed : seeds) {
    for (int fold : folds) {
      FoldSeedStatus& s = found[{fold, seed}];  // a missing one stays kMissing
      s.fold = fold;
      s.seed = seed;
    }
  }
  std::vector<FoldSeedStatus> all;
  for (const auto& [key, s] : found) all.push_back(s);
  std::stable_sort(all.begin(), all.end(), [&](const FoldSeedStatus& a, const FoldSeedStatus& b) {
    const auto sa = Rank(seeds, a.seed), sb = Rank(seeds, b.seed);
    if (sa != sb) return sa < sb;
    return Rank(folds, a.fold) < Rank(folds, b.fold);
  });
  return all;
}

MergedRun MergeRun(const std::string& run_dir) { return MergeRun(run_dir, LoadRunConfig(run_dir)); }

MergedRun MergeRun(const std::string& run_dir, const ExperimentConfig& config) {
  const FileLock lock = RunDirectory{run_dir}.Lock();
  MergedRun merged;
  std::vector<FoldSeedStatus> finished;
  for (const FoldSeedStatus& s : InspectRun(run_dir)) {
    (s.state == FoldSeedState::kFinished ? finished : merged.pending).push_back(s);
  }
  if (finished.empty()) {
    throw DataError(Cat("run directory ", run_dir,
                        ": no (fold, seed) has finished yet (fold-K/seed-S/test_metrics.json)\n",
                        PendingText(merged.pending)));
  }
  std::vector<FoldOutcome> outcomes;
  for (const auto& s : finished) {
    const std::string path = FoldSeedDir(run_dir, s.fold, s.seed) + "/test_metrics.json";
    outcomes.push_back(FoldOutcome::FromJson(ParseJson(ReadFileToString(path), path), path));
  }
  merged.summary = RunSummary::From(outcomes, TestedClasses(run_dir, finished, config));
  for (const auto& s : merged.pending) merged.summary.pending.push_back(s.ToString());
  merged.summary.Analyse(run_dir, config.analysis, config.data);
  merged.summary.Write(run_dir);
  WriteRunReport(run_dir);
  return merged;
}

std::string PendingText(const std::vector<FoldSeedStatus>& pending) {
  std::string text;
  for (const auto& s : pending) text += s.ToString() + "\n";
  return text;
}

}  // namespace merhan
