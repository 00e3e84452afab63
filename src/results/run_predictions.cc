#include "merhan/results/run_predictions.h"

#include <cstdlib>
#include <sstream>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

// Splits one CSV line; fields may be double-quoted with "" escapes (ids are
// quoted when they contain a comma or quote).
std::vector<std::string> SplitCsvLine(const std::string& line, const std::string& where) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) throw DataError(where + ": unterminated quoted field");
  fields.push_back(field);
  return fields;
}

}  // namespace

FoldSeedPredictions ReadPredictionsCsv(const std::string& path, const std::vector<std::string>& classes) {
  FoldSeedPredictions p;
  p.path = path;
  p.num_classes = static_cast<int>(classes.size());
  std::istringstream in(ReadFileToString(path));
  std::string line;
  int number = 0;
  if (!std::getline(in, line)) throw DataError(path + ": empty file (expected a header id,true,pred,p_<class>...)");
  ++number;
  const auto header = SplitCsvLine(line, Cat(path, ":1"));
  std::vector<std::string> expected = {"id", "true", "pred"};
  for (const auto& c : classes) expected.push_back("p_" + c);
  if (header != expected) {
    std::string want;
    for (const auto& h : expected) want += (want.empty() ? "" : ",") + h;
    throw DataError(Cat(path, ":1: header is not ", want, " (a different class set?)"));
  }
  auto index_of = [&](const std::string& name, const std::string& where) -> int64_t {
    for (size_t c = 0; c < classes.size(); ++c) {
      if (classes[c] == name) return static_cast<int64_t>(c);
    }
    throw DataError(where + ": unknown class '" + name + "'");
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = Cat(path, ":", number);
    const auto f = SplitCsvLine(line, where);
    if (f.size() != expected.size()) throw DataError(Cat(where, ": ", f.size(), " fields, expected ", expected.size()));
    if (f[1].empty()) throw DataError(where + ": no true label (test predictions must be labelled)");
    p.ids.push_back(f[0]);
    p.truth.push_back(index_of(f[1], where));
    p.predicted.push_back(index_of(f[2], where));
    for (size_t c = 0; c < classes.size(); ++c) {
      char* end = nullptr;
      const double v = std::strtod(f[3 + c].c_str(), &end);
      if (f[3 + c].empty() || *end != '\0')
        throw DataError(Cat(where, ": p_", classes[c], " is not a number: '", f[3 + c], "'"));
      p.probabilities.push_back(v);
    }
  }
  return p;
}

std::vector<FoldSeedPredictions> ReadRunPredictions(const std::string& run_dir,
                                                    const std::vector<std::pair<int, int>>& fold_seeds,
                                                    const std::vector<std::string>& classes) {
  std::vector<FoldSeedPredictions> out;
  for (const auto& [fold, seed] : fold_seeds) {
    auto p = ReadPredictionsCsv(Cat(run_dir, "/fold-", fold, "/seed-", seed, "/predictions.csv"), classes);
    p.fold = fold;
    p.seed = seed;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace merhan
