// Typed registry of config fields: the schema behind JSON configs and --set.
//
// Every option struct registers its fields under dotted keys ("train.lr") with a
// pointer and a help line. The registry then applies JSON objects and
// `key=value` overrides with type checks, rejects unknown keys (suggesting the
// nearest valid one) and prints the resolved config.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace merhan {

class ConfigRegistry {
 public:
  using FieldPtr = std::variant<bool*, int*, int64_t*, float*, double*, std::string*, std::vector<std::string>*,
                                std::vector<int>*, std::vector<double>*, nlohmann::json*>;

  void Register(const std::string& key, bool* v, const std::string& help);
  void Register(const std::string& key, int* v, const std::string& help);
  void Register(const std::string& key, int64_t* v, const std::string& help);
  void Register(const std::string& key, float* v, const std::string& help);
  void Register(const std::string& key, double* v, const std::string& help);
  void Register(const std::string& key, std::string* v, const std::string& help);
  void Register(const std::string& key, std::vector<std::string>* v, const std::string& help);
  void Register(const std::string& key, std::vector<int>* v, const std::string& help);
  void Register(const std::string& key, std::vector<double>* v, const std::string& help);
  // A string restricted to `choices`; anything else is a usage error listing them.
  void RegisterChoice(const std::string& key, std::string* v, const std::vector<std::string>& choices,
                      const std::string& help);
  // A free-form JSON value (e.g. a label merge map); `expected` names its JSON
  // type ("object", "array", ...) for error messages.
  void RegisterJson(const std::string& key, nlohmann::json* v, const std::string& expected, const std::string& help);

  // Applies a JSON object whose nesting mirrors the dotted keys. `origin` (a file
  // name) prefixes every error. Throws UsageError on unknown keys or wrong types.
  void Apply(const nlohmann::json& object, const std::string& origin);
  // Applies one `section.key=value` override, typed by the registered field.
  void ApplyOverride(const std::string& assignment);

  bool Has(const std::string& key) const { return fields_.count(key) > 0; }
  std::vector<std::string> Keys() const;
  // The registered key closest to `key` in edit distance, or "" if none is close.
  std::string NearestKey(const std::string& key) const;

  // Current values as nested JSON (the resolved config).
  nlohmann::json ToJson() const;
  // One line per key: `key (type) = value  # help`.
  std::string Describe() const;

 private:
  struct Field {
    FieldPtr ptr;
    std::string help;
    std::vector<std::string> choices;  // for RegisterChoice
    std::string json_expected;         // for RegisterJson
  };
  void Add(const std::string& key, FieldPtr ptr, const std::string& help);
  void SetFromJson(const std::string& key, const Field& field, const nlohmann::json& value, const std::string& origin);
  void ApplyAt(const std::string& prefix, const nlohmann::json& object, const std::string& origin);
  [[noreturn]] void ThrowUnknown(const std::string& key, const std::string& origin) const;
  static std::string TypeName(const Field& field);
  static nlohmann::json ValueOf(const Field& field);

  std::map<std::string, Field> fields_;
};

// Reads a JSON config file, following `"extends": "other.json"` (relative to the
// file, chains allowed, cycles rejected). Returns the files base-first so that
// each can be applied with its own name in error messages.
std::vector<std::pair<std::string, nlohmann::json>> LoadConfigChain(const std::string& path);

// Parses JSON text; errors name `origin` and the line/column.
nlohmann::json ParseJson(const std::string& text, const std::string& origin);

// Reads a data file holding one JSON object (a model's config.json, a
// tokenizer_config.json): DataError naming `path` if it is missing, not JSON or
// not an object.
nlohmann::json ReadJsonObjectFile(const std::string& path);

// Levenshtein distance, used for "did you mean" suggestions.
size_t EditDistance(const std::string& a, const std::string& b);

// Makes a ToString() for option structs from their Register(): the struct's
// fields printed as compact JSON under their keys.
template <typename Options>
std::string OptionsToString(const Options& options) {
  Options copy = options;
  ConfigRegistry registry;
  copy.Register(&registry);
  return registry.ToJson().dump();
}

}  // namespace merhan
