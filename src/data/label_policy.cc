#include "merhan/data/label_policy.h"

#include <algorithm>
#include <set>

#include "merhan/data/corpus_format.h"
#include "merhan/util/error.h"

namespace merhan {

// data.merge as given, or a release's 4-class map (data/corpus_format.h EffectiveMerge).
LabelPolicy LabelPolicy::FromOptions(const DataOptions& options) {
  if (!options.merge.is_null() && !options.merge.is_object()) {
    throw UsageError("data.merge: expected an object of class -> [codes]");
  }
  return LabelPolicy(options.classes, EffectiveMerge(options));
}

LabelPolicy::LabelPolicy(std::vector<std::string> classes, const std::map<std::string, std::vector<std::string>>& merge)
    : classes_(std::move(classes)) {
  for (const auto& [name, codes] : merge) {
    if (std::find(classes_.begin(), classes_.end(), name) == classes_.end()) {
      throw UsageError("data.merge." + name + ": not one of data.classes");
    }
  }
  for (size_t i = 0; i < classes_.size(); ++i) {
    auto it = merge.find(classes_[i]);
    const std::vector<std::string> codes = it == merge.end() ? std::vector<std::string>{classes_[i]} : it->second;
    for (const auto& code : codes) {
      auto [pos, inserted] = code_to_class_.emplace(code, static_cast<int>(i));
      if (!inserted && pos->second != static_cast<int>(i)) {
        throw UsageError("data.merge: code '" + code + "' is merged into both '" + classes_[pos->second] + "' and '" +
                         classes_[i] + "'");
      }
    }
  }
}

int LabelPolicy::IndexOf(const std::string& code) const {
  auto it = code_to_class_.find(code);
  return it == code_to_class_.end() ? -1 : it->second;
}

std::vector<std::string> LabelPolicy::CodesOf(int index) const {
  std::vector<std::string> codes;
  for (const auto& [code, i] : code_to_class_) {
    if (i == index) codes.push_back(code);
  }
  return codes;
}

bool LabelPolicy::IsStandardIemocap4() const {
  if (classes_.size() != 4) return false;
  std::map<std::string, std::set<std::string>> expected = {
      {"neu", {"neu"}}, {"hap", {"hap", "exc"}}, {"ang", {"ang"}}, {"sad", {"sad"}}};
  for (size_t i = 0; i < classes_.size(); ++i) {
    auto it = expected.find(classes_[i]);
    if (it == expected.end()) return false;
    auto codes = CodesOf(static_cast<int>(i));
    if (std::set<std::string>(codes.begin(), codes.end()) != it->second) return false;
  }
  return true;
}

LabelCounter::LabelCounter(const LabelPolicy& policy) : policy_(&policy), per_class_(policy.classes().size(), 0) {}

int LabelCounter::Apply(const std::string& code) {
  const int index = policy_->IndexOf(code);
  if (index < 0) {
    ++dropped_[code];
  } else {
    ++per_class_[static_cast<size_t>(index)];
  }
  return index;
}

LabelCounts LabelCounter::counts() const {
  LabelCounts counts;
  counts.classes = policy_->classes();
  counts.per_class = per_class_;
  counts.dropped.assign(dropped_.begin(), dropped_.end());
  return counts;
}

}  // namespace merhan
