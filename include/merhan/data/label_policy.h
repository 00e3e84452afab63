// Maps corpus label codes to class indices: data.classes in order, data.merge lists
// the codes each class absorbs (hap <- hap, exc). Codes of no class are dropped and
// counted, so a reader can say exactly what it left out.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "merhan/data/data_options.h"
#include "merhan/data/utterance.h"

namespace merhan {

class LabelPolicy {
 public:
  // A class without a merge entry takes exactly its own code. Throws UsageError when
  // one code is merged into two classes.
  static LabelPolicy FromOptions(const DataOptions& options);
  LabelPolicy(std::vector<std::string> classes, const std::map<std::string, std::vector<std::string>>& merge);

  // Class index of `code`, or -1 when the policy drops it.
  int IndexOf(const std::string& code) const;
  const std::vector<std::string>& classes() const { return classes_; }
  // The codes mapped to class `index` (for messages and tables).
  std::vector<std::string> CodesOf(int index) const;
  // True for IEMOCAP's standard 4-class set: neu, hap (hap+exc), ang, sad, in any order.
  bool IsStandardIemocap4() const;

 private:
  std::vector<std::string> classes_;
  std::map<std::string, int> code_to_class_;
};

// Counts kept utterances per class and dropped codes, in the LabelCounts contract.
class LabelCounter {
 public:
  explicit LabelCounter(const LabelPolicy& policy);
  // Returns the class index (-1: dropped and counted).
  int Apply(const std::string& code);
  LabelCounts counts() const;
  const LabelPolicy& policy() const { return *policy_; }

 private:
  const LabelPolicy* policy_;
  std::vector<int> per_class_;
  std::map<std::string, int> dropped_;
};

}  // namespace merhan
