// Range-checked numbers out of JSON. nlohmann's get<int>() converts any number with a
// plain cast: integers wrap silently and a double outside the target's range is
// undefined behaviour (found by fuzz/config_fuzzer.cc, docs/fuzzing.md).
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace merhan {

// The value of an integer, or of a float with no fractional part ("1e3"), when it
// lies in [lo, hi]; nullopt for anything else (other types, fractions, out of range).
std::optional<int64_t> JsonInteger(const nlohmann::json& v, int64_t lo, int64_t hi);

// The value of any number that a float holds without overflow; nullopt otherwise.
std::optional<float> JsonFloat(const nlohmann::json& v);

}  // namespace merhan
