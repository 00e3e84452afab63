// Numbers as the summaries, reports and comparisons print them: one formatter, so
// a figure reads the same in summary.md, report.html and comparison.md.
#pragma once

#include <string>

namespace merhan {

// What a NaN or an infinity prints as: an en dash in tables meant for people,
// "nan" in CSV files meant for programs (pandas and R read it as missing).
inline constexpr const char* kNotFiniteText = "–";
inline constexpr const char* kNotFiniteCsv = "nan";

// `v` with `digits` decimals ("%.*f"), `not_finite` for NaN or an infinity.
std::string FormatFixed(double v, int digits, const char* not_finite = kNotFiniteText);
// The same with an explicit sign ("+1.25", "-0.50").
std::string FormatSigned(double v, int digits);
// A fraction as a percentage with two decimals: 0.71234 -> "71.23".
std::string FormatPercent(double fraction);
// A p-value: four decimals, or "1.2e-05" below 1e-4.
std::string FormatPValue(double p);

}  // namespace merhan
