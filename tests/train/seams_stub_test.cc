// TEST-LOCAL stand-in for the metrics module (train/metrics.h is written
// elsewhere): ComputeClassificationReport as sklearn defines the metrics
// (accuracy, recall_score/f1_score average="macro"/"weighted",
// zero_division=0). Weak, so that the real implementation wins once it is
// linked. (Named *_test.cc only so that the tests/train glob picks it up.)
#include <vector>

#include "merhan/train/evaluation.h"

namespace merhan {

__attribute__((weak)) ClassificationReport ComputeClassificationReport(const std::vector<int64_t>& y_true,
                                                                       const std::vector<int64_t>& y_pred,
                                                                       int num_classes) {
  ClassificationReport r;
  const size_t c = static_cast<size_t>(num_classes);
  r.confusion.assign(c, std::vector<int64_t>(c, 0));
  for (size_t i = 0; i < y_true.size(); ++i) r.confusion[y_true[i]][y_pred[i]]++;
  r.count = static_cast<int64_t>(y_true.size());
  int64_t correct = 0;
  for (size_t k = 0; k < c; ++k) {
    int64_t tp = r.confusion[k][k], row = 0, col = 0;
    for (size_t j = 0; j < c; ++j) row += r.confusion[k][j], col += r.confusion[j][k];
    correct += tp;
    const double p = col ? static_cast<double>(tp) / col : 0, rc = row ? static_cast<double>(tp) / row : 0;
    r.precision.push_back(p);
    r.recall.push_back(rc);
    r.f1.push_back(p + rc > 0 ? 2 * p * rc / (p + rc) : 0);
    r.support.push_back(row);
  }
  r.war = r.count ? static_cast<double>(correct) / r.count : 0;
  for (size_t k = 0; k < c; ++k) {
    r.uar += r.recall[k] / c;
    r.macro_f1 += r.f1[k] / c;
    r.weighted_f1 += r.count ? r.f1[k] * r.support[k] / r.count : 0;
  }
  return r;
}

}  // namespace merhan
