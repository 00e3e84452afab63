#include "merhan/stats/mcnemar.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "merhan/stats/distributions.h"
#include "merhan/util/error.h"

namespace merhan::stats {

McNemarResult McNemar(int64_t b, int64_t c, McNemarForm form) {
  if (b < 0 || c < 0) throw InternalError("McNemar: negative count");
  McNemarResult r;
  r.b = b;
  r.c = c;
  if (form == McNemarForm::kExact) {
    r.statistic = static_cast<double>(std::min(b, c));
    r.pvalue = std::min(1.0, 2 * BinomialHalfCdf(std::min(b, c), b + c));
    return r;
  }
  if (b + c == 0) {
    r.statistic = r.pvalue = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  const double diff = std::fabs(static_cast<double>(b - c)) - (form == McNemarForm::kChiSquareCorrected ? 1.0 : 0.0);
  r.statistic = diff * diff / static_cast<double>(b + c);
  r.pvalue = ChiSquare1Sf(r.statistic);
  return r;
}

McNemarResult McNemar(const std::vector<bool>& first_correct, const std::vector<bool>& second_correct,
                      McNemarForm form) {
  if (first_correct.size() != second_correct.size()) throw InternalError("McNemar: outcome vectors differ in length");
  int64_t b = 0, c = 0;
  for (size_t i = 0; i < first_correct.size(); ++i) {
    b += first_correct[i] && !second_correct[i];
    c += !first_correct[i] && second_correct[i];
  }
  return McNemar(b, c, form);
}

}  // namespace merhan::stats
