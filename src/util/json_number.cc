#include "merhan/util/json_number.h"

#include <cmath>
#include <limits>

namespace merhan {

std::optional<int64_t> JsonInteger(const nlohmann::json& v, int64_t lo, int64_t hi) {
  if (v.is_number_unsigned()) {
    const uint64_t x = v.get<uint64_t>();
    if (hi < 0 || x > static_cast<uint64_t>(hi)) return std::nullopt;
    return static_cast<int64_t>(x);
  }
  if (v.is_number_integer()) {
    const int64_t x = v.get<int64_t>();
    if (x < lo || x > hi) return std::nullopt;
    return x;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // -2^63 <= d < 2^63 before the cast to int64_t (2^63 itself would overflow).
    constexpr double kTwo63 = 9223372036854775808.0;
    if (!std::isfinite(d) || std::floor(d) != d || d < -kTwo63 || d >= kTwo63) return std::nullopt;
    const int64_t x = static_cast<int64_t>(d);
    if (x < lo || x > hi) return std::nullopt;
    return x;
  }
  return std::nullopt;
}

std::optional<float> JsonFloat(const nlohmann::json& v) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<float>::max()) return std::nullopt;
  return static_cast<float>(d);
}

}  // namespace merhan
