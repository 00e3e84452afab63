#include "merhan/results/run_layout.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "merhan/util/error.h"

namespace merhan {
namespace fs = std::filesystem;

std::string FoldSeedDir(const std::string& run_dir, int fold, int seed) {
  return run_dir + "/fold-" + std::to_string(fold) + "/seed-" + std::to_string(seed);
}

std::vector<FoldSeedEntry> ListFoldSeeds(const std::string& run_dir) {
  if (!fs::is_directory(run_dir)) throw DataError("run directory " + run_dir + " does not exist");
  const std::regex fold_re("fold-([0-9]+)"), seed_re("seed-(-?[0-9]+)");
  std::vector<FoldSeedEntry> entries;
  for (const auto& fold_entry : fs::directory_iterator(run_dir)) {
    std::smatch fm;
    const std::string fold_name = fold_entry.path().filename().string();
    if (!fold_entry.is_directory() || !std::regex_match(fold_name, fm, fold_re)) continue;
    for (const auto& seed_entry : fs::directory_iterator(fold_entry.path())) {
      std::smatch sm;
      const std::string seed_name = seed_entry.path().filename().string();
      if (!seed_entry.is_directory() || !std::regex_match(seed_name, sm, seed_re)) continue;
      FoldSeedEntry e;
      e.fold = std::stoi(fm[1].str());
      e.seed = std::stoi(sm[1].str());
      e.dir = seed_entry.path().string();
      e.finished = fs::exists(seed_entry.path() / "test_metrics.json");
      entries.push_back(std::move(e));
    }
  }
  std::sort(entries.begin(), entries.end(), [](const FoldSeedEntry& a, const FoldSeedEntry& b) {
    return a.fold != b.fold ? a.fold < b.fold : a.seed < b.seed;
  });
  return entries;
}

}  // namespace merhan
