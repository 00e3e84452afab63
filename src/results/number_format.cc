#include "merhan/results/number_format.h"

#include <cmath>
#include <cstdio>

namespace merhan {
namespace {

std::string Printf(const char* format, int digits, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, digits, v);
  return buf;
}

}  // namespace

std::string FormatFixed(double v, int digits, const char* not_finite) {
  return std::isfinite(v) ? Printf("%.*f", digits, v) : not_finite;
}

std::string FormatSigned(double v, int digits) {
  return std::isfinite(v) ? Printf("%+.*f", digits, v) : kNotFiniteText;
}

std::string FormatPercent(double fraction) { return FormatFixed(100 * fraction, 2); }

std::string FormatPValue(double p) {
  if (!std::isfinite(p)) return kNotFiniteText;
  return p < 1e-4 ? Printf("%.*e", 1, p) : Printf("%.*f", 4, p);
}

}  // namespace merhan
