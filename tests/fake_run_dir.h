// Run directories as `merhan train` leaves them (config.json and per-(fold, seed)
// test_metrics.json + predictions.csv), written directly from chosen
// predictions, for the statistics that read them back.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/results/summary.h"
#include "merhan/runtime/evaluation.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/logging.h"

namespace merhan::testing {

struct FakeFoldSeed {
  int fold = 0, seed = 1;
  std::vector<std::string> ids;
  std::vector<int64_t> truth, predicted;
};

// `n` utterances "f<fold>_u<k>" with labels k % classes; each prediction is right
// with probability `accuracy` (deterministic in `rng_seed`).
inline FakeFoldSeed MakeFoldSeed(int fold, int seed, int n, int classes, double accuracy, uint64_t rng_seed) {
  FakeFoldSeed f;
  f.fold = fold;
  f.seed = seed;
  std::mt19937_64 gen(rng_seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (int k = 0; k < n; ++k) {
    f.ids.push_back(Cat("f", fold, "_u", k));
    const int64_t y = k % classes;
    f.truth.push_back(y);
    f.predicted.push_back(u(gen) < accuracy ? y : (y + 1 + static_cast<int64_t>(gen() % (classes - 1))) % classes);
  }
  return f;
}

inline void WriteFakeRun(const std::string& dir, const std::string& name, const std::vector<std::string>& classes,
                         const std::vector<FakeFoldSeed>& parts, const std::string& protocol = "loso") {
  CreateDirectories(dir);
  nlohmann::json config = {{"data", {{"classes", classes}, {"protocol", protocol}}}, {"run", {{"name", name}}}};
  WriteStringAtomically(dir + "/config.json", config.dump(2));
  const int c = static_cast<int>(classes.size());
  for (const auto& p : parts) {
    const std::string sub = Cat(dir, "/fold-", p.fold, "/seed-", p.seed);
    CreateDirectories(sub);
    FoldOutcome o;
    o.fold = p.fold;
    o.fold_name = Cat("Session", p.fold + 1);
    o.seed = p.seed;
    o.test = ComputeClassificationReport(p.truth, p.predicted, c);
    WriteStringAtomically(sub + "/test_metrics.json", o.ToJson(classes).dump(2));
    std::string csv = "id,true,pred";
    for (const auto& k : classes) csv += ",p_" + k;
    csv += "\n";
    for (size_t i = 0; i < p.ids.size(); ++i) {
      csv += p.ids[i] + "," + classes[p.truth[i]] + "," + classes[p.predicted[i]];
      for (int k = 0; k < c; ++k) csv += k == p.predicted[i] ? ",0.7" : Cat(",", 0.3 / (c - 1));
      csv += "\n";
    }
    WriteStringAtomically(sub + "/predictions.csv", csv);
  }
}

}  // namespace merhan::testing
