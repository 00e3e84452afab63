#include "merhan/runtime/metrics.h"

#include <string>

#include "merhan/util/error.h"

namespace merhan {

ConfusionMatrix::ConfusionMatrix(int num_classes)
    : num_classes_(num_classes), counts_(static_cast<size_t>(num_classes) * num_classes, 0) {
  if (num_classes < 1) throw InternalError("ConfusionMatrix: num_classes must be >= 1");
}

ConfusionMatrix ConfusionMatrix::FromLabels(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                            int num_classes) {
  if (y_true.size() != y_pred.size()) {
    throw InternalError("ConfusionMatrix: " + std::to_string(y_true.size()) + " true labels but " +
                        std::to_string(y_pred.size()) + " predictions");
  }
  ConfusionMatrix m(num_classes);
  for (size_t i = 0; i < y_true.size(); ++i) m.Add(y_true[i], y_pred[i]);
  return m;
}

void ConfusionMatrix::Add(int64_t truth, int64_t predicted) {
  if (truth < 0 || truth >= num_classes_ || predicted < 0 || predicted >= num_classes_) {
    throw InternalError("ConfusionMatrix: label pair (" + std::to_string(truth) + ", " + std::to_string(predicted) +
                        ") outside 0.." + std::to_string(num_classes_ - 1));
  }
  ++counts_[truth * num_classes_ + predicted];
  ++total_;
}

void ConfusionMatrix::Merge(const ConfusionMatrix& other) {
  if (other.num_classes_ != num_classes_) throw InternalError("ConfusionMatrix::Merge: class counts differ");
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

int64_t ConfusionMatrix::support(int truth) const {
  int64_t sum = 0;
  for (int p = 0; p < num_classes_; ++p) sum += at(truth, p);
  return sum;
}

int64_t ConfusionMatrix::predicted(int klass) const {
  int64_t sum = 0;
  for (int t = 0; t < num_classes_; ++t) sum += at(t, klass);
  return sum;
}

std::vector<std::vector<int64_t>> ConfusionMatrix::Rows() const {
  std::vector<std::vector<int64_t>> rows(num_classes_);
  for (int t = 0; t < num_classes_; ++t) {
    rows[t].assign(counts_.begin() + t * num_classes_, counts_.begin() + (t + 1) * num_classes_);
  }
  return rows;
}

namespace {

// zero_division=0.
double Ratio(double numerator, double denominator) { return denominator > 0 ? numerator / denominator : 0.0; }

}  // namespace

ClassificationMetrics ComputeMetrics(const ConfusionMatrix& confusion) {
  ClassificationMetrics m;
  const int n = confusion.num_classes();
  m.count = confusion.total();
  m.confusion = confusion.Rows();
  m.per_class.resize(n);
  int64_t correct = 0;
  for (int c = 0; c < n; ++c) {
    const double tp = static_cast<double>(confusion.at(c, c));
    const double support = static_cast<double>(confusion.support(c));
    const double predicted = static_cast<double>(confusion.predicted(c));
    ClassMetrics& k = m.per_class[c];
    k.support = confusion.support(c);
    k.precision = Ratio(tp, predicted);
    k.recall = Ratio(tp, support);
    // sklearn >= 1.3 computes F1 from counts: 2tp / (2tp + fp + fn).
    k.f1 = Ratio(2 * tp, 2 * tp + (predicted - tp) + (support - tp));
    correct += confusion.at(c, c);
    m.uar += k.recall / n;
    m.macro_precision += k.precision / n;
    m.macro_f1 += k.f1 / n;
  }
  m.war = Ratio(static_cast<double>(correct), static_cast<double>(m.count));
  // sklearn's average='weighted' with zero total support is zero_division -> 0.
  for (int c = 0; c < n; ++c) {
    m.weighted_f1 +=
        Ratio(m.per_class[c].f1 * static_cast<double>(m.per_class[c].support), static_cast<double>(m.count));
  }
  return m;
}

ClassificationMetrics ComputeMetrics(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                     int num_classes) {
  return ComputeMetrics(ConfusionMatrix::FromLabels(y_true, y_pred, num_classes));
}

nlohmann::json ClassificationMetrics::ToJson(const std::vector<std::string>& class_names) const {
  auto name = [&](size_t c) { return c < class_names.size() ? class_names[c] : std::to_string(c); };
  nlohmann::json per = nlohmann::json::array();
  nlohmann::json classes = nlohmann::json::array();
  for (size_t c = 0; c < per_class.size(); ++c) {
    per.push_back({{"class", name(c)},
                   {"precision", per_class[c].precision},
                   {"recall", per_class[c].recall},
                   {"f1", per_class[c].f1},
                   {"support", per_class[c].support}});
    classes.push_back(name(c));
  }
  return {{"count", count},
          {"war", war},
          {"uar", uar},
          {"macro_precision", macro_precision},
          {"macro_f1", macro_f1},
          {"weighted_f1", weighted_f1},
          {"classes", classes},
          {"per_class", per},
          {"confusion", confusion}};
}

}  // namespace merhan
