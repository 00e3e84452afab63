// Classification metrics as scikit-learn computes them, with the class set fixed
// to 0..num_classes-1 (sklearn's `labels=range(num_classes)`), so a class absent
// from a test fold still counts in the macro averages, and zero_division=0: a
// precision, recall or F1 whose denominator is 0 is 0.
//
//   WAR        = accuracy                       (accuracy_score)
//   UAR        = macro-averaged recall          (recall_score(average='macro'))
//   macro-F1   = unweighted mean of class F1    (f1_score(average='macro'))
//   weighted-F1 = support-weighted mean of F1   (f1_score(average='weighted'))
//   per class  = precision_recall_fscore_support; F1 = 2tp / (2tp + fp + fn)
//   confusion  = confusion_matrix: rows = true class, columns = predicted class
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes);
  // Throws InternalError for a size mismatch or a label outside 0..num_classes-1.
  static ConfusionMatrix FromLabels(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                    int num_classes);

  void Add(int64_t truth, int64_t predicted);
  void Merge(const ConfusionMatrix& other);
  int num_classes() const { return num_classes_; }
  int64_t at(int truth, int predicted) const { return counts_[truth * num_classes_ + predicted]; }
  int64_t total() const { return total_; }
  int64_t support(int truth) const;    // row sum
  int64_t predicted(int klass) const;  // column sum
  std::vector<std::vector<int64_t>> Rows() const;

 private:
  int num_classes_;
  int64_t total_ = 0;
  std::vector<int64_t> counts_;  // row-major
};

struct ClassMetrics {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;
};

struct ClassificationMetrics {
  int64_t count = 0;
  double war = 0;  // accuracy
  double uar = 0;  // macro recall
  double macro_precision = 0;
  double macro_f1 = 0;
  double weighted_f1 = 0;
  std::vector<ClassMetrics> per_class;
  std::vector<std::vector<int64_t>> confusion;

  // {"count", "war", "uar", "macro_precision", "macro_f1", "weighted_f1",
  //  "per_class": [{"class", "precision", "recall", "f1", "support"}...], "confusion",
  //  "classes"}. Class names default to "0", "1", ...
  nlohmann::json ToJson(const std::vector<std::string>& class_names = {}) const;
};

// All metrics of a confusion matrix. An empty matrix gives all zeros.
ClassificationMetrics ComputeMetrics(const ConfusionMatrix& confusion);
ClassificationMetrics ComputeMetrics(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                     int num_classes);

}  // namespace merhan
