#include "merhan/util/config_registry.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/json_number.h"

namespace merhan {
namespace {

std::string Where(const std::string& origin, const std::string& key) {
  return origin.empty() ? key : origin + ": " + key;
}

std::string JsonTypeName(const nlohmann::json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number_float()) return "number";
  return v.type_name();
}

std::string Short(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void ConfigRegistry::Add(const std::string& key, FieldPtr ptr, const std::string& help) {
  if (fields_.count(key)) throw InternalError("config key registered twice: " + key);
  fields_[key] = Field{ptr, help, {}, {}};
}

void ConfigRegistry::Register(const std::string& k, bool* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, int* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, int64_t* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, float* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, double* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, std::string* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, std::vector<std::string>* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, std::vector<int>* v, const std::string& h) { Add(k, v, h); }
void ConfigRegistry::Register(const std::string& k, std::vector<double>* v, const std::string& h) { Add(k, v, h); }

void ConfigRegistry::RegisterChoice(const std::string& key, std::string* v, const std::vector<std::string>& choices,
                                    const std::string& help) {
  Add(key, v, help);
  fields_[key].choices = choices;
}

void ConfigRegistry::RegisterJson(const std::string& key, nlohmann::json* v, const std::string& expected,
                                  const std::string& help) {
  Add(key, v, help);
  fields_[key].json_expected = expected;
}

std::vector<std::string> ConfigRegistry::Keys() const {
  std::vector<std::string> keys;
  for (const auto& kv : fields_) keys.push_back(kv.first);
  return keys;
}

std::string ConfigRegistry::NearestKey(const std::string& key) const {
  std::string best;
  size_t best_d = std::string::npos;
  const std::string leaf = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  const size_t limit = std::max<size_t>(2, key.size() / 3);
  for (const auto& kv : fields_) {
    const std::string& k = kv.first;
    const std::string kleaf = k.substr(k.rfind('.') == std::string::npos ? 0 : k.rfind('.') + 1);
    // A right leaf in the wrong section ("lr" for "train.lr") is also a good hint.
    size_t d = kleaf == leaf ? 1 : std::string::npos;
    // The length difference bounds the distance from below: a key that cannot come
    // within the limit or beat the best so far needs no quadratic comparison (a long
    // pasted value mistaken for a key would otherwise cost length x keys x key length).
    const size_t at_least = key.size() > k.size() ? key.size() - k.size() : k.size() - key.size();
    if (at_least < std::min(d, best_d) && at_least <= limit) d = std::min(d, EditDistance(key, k));
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best_d <= limit ? best : "";
}

void ConfigRegistry::ThrowUnknown(const std::string& key, const std::string& origin) const {
  std::string msg = Where(origin, key) + ": unknown config key";
  const std::string near = NearestKey(key);
  if (!near.empty())
    msg += "; did you mean '" + near + "'?";
  else
    msg += " (run `merhan config --keys` for the list)";
  throw UsageError(msg);
}

std::string ConfigRegistry::TypeName(const Field& f) {
  if (!f.choices.empty()) {
    std::string s = "one of";
    for (size_t i = 0; i < f.choices.size(); ++i) s += (i ? ", " : " ") + f.choices[i];
    return s;
  }
  return std::visit(
      [&](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, bool>)
          return "boolean";
        else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>)
          return "integer";
        else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
          return "number";
        else if constexpr (std::is_same_v<T, std::string>)
          return "string";
        else if constexpr (std::is_same_v<T, std::vector<std::string>>)
          return "array of strings";
        else if constexpr (std::is_same_v<T, std::vector<int>>)
          return "array of integers";
        else if constexpr (std::is_same_v<T, std::vector<double>>)
          return "array of numbers";
        else
          return f.json_expected;
      },
      f.ptr);
}

nlohmann::json ConfigRegistry::ValueOf(const Field& f) {
  return std::visit([](auto* p) { return nlohmann::json(*p); }, f.ptr);
}

void ConfigRegistry::SetFromJson(const std::string& key, const Field& f, const nlohmann::json& v,
                                 const std::string& origin) {
  auto fail = [&]() {
    throw UsageError(Where(origin, key) + ": expected " + TypeName(f) + ", got " + JsonTypeName(v) + " " + Short(v));
  };
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (!v.is_boolean()) fail();
          *p = v.get<bool>();
        } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) {
          // 1e3 is a fine integer; 1e300 or 2^40 for an int is not.
          const auto x = JsonInteger(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
          if (!x) fail();
          *p = static_cast<T>(*x);
        } else if constexpr (std::is_same_v<T, float>) {
          const auto x = JsonFloat(v);
          if (!x) fail();
          *p = *x;
        } else if constexpr (std::is_same_v<T, double>) {
          if (!v.is_number()) fail();
          *p = v.get<double>();
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!v.is_string()) fail();
          const std::string s = v.get<std::string>();
          if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
            throw UsageError(Where(origin, key) + ": expected " + TypeName(f) + ", got \"" + s + "\"");
          }
          *p = s;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          if (!v.is_array()) fail();
          for (const auto& e : v)
            if (!e.is_string()) fail();
          *p = v.get<T>();
        } else if constexpr (std::is_same_v<T, std::vector<int>>) {
          if (!v.is_array()) fail();
          T out;
          for (const auto& e : v) {
            const auto x = JsonInteger(e, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
            if (!e.is_number_integer() || !x) fail();
            out.push_back(static_cast<int>(*x));
          }
          *p = out;
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          if (!v.is_array()) fail();
          for (const auto& e : v)
            if (!e.is_number()) fail();
          *p = v.get<T>();
        } else {
          const std::string& want = f.json_expected;
          if ((want == "object" && !v.is_object()) || (want == "array" && !v.is_array())) fail();
          *p = v;
        }
      },
      f.ptr);
}

void ConfigRegistry::ApplyAt(const std::string& prefix, const nlohmann::json& object, const std::string& origin) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (prefix.empty() && it.key() == "extends") continue;  // handled by LoadConfigChain
    auto f = fields_.find(key);
    if (f != fields_.end()) {
      SetFromJson(key, f->second, it.value(), origin);
    } else if (it.value().is_object()) {
      // Only descend where some registered key lives below.
      const std::string below = key + ".";
      auto lb = fields_.lower_bound(below);
      if (lb == fields_.end() || lb->first.compare(0, below.size(), below) != 0) {
        ThrowUnknown(key, origin);
      }
      ApplyAt(key, it.value(), origin);
    } else {
      ThrowUnknown(key, origin);
    }
  }
}

void ConfigRegistry::Apply(const nlohmann::json& object, const std::string& origin) {
  if (!object.is_object()) {
    throw UsageError((origin.empty() ? std::string("config") : origin) +
                     ": expected a JSON object at the top level, got " + JsonTypeName(object));
  }
  ApplyAt("", object, origin);
}

void ConfigRegistry::ApplyOverride(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError("--set " + assignment + ": expected section.key=value");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  auto f = fields_.find(key);
  if (f == fields_.end()) ThrowUnknown(key, "--set");
  // Typed by the schema: strings are taken verbatim, everything else is JSON
  // (so `train.lr=1e-4`, `model.use_cma=false`, `run.seeds=[1,2,3]`).
  nlohmann::json value;
  const bool is_string = std::holds_alternative<std::string*>(f->second.ptr);
  const bool is_string_list = std::holds_alternative<std::vector<std::string>*>(f->second.ptr);
  if (is_string) {
    value = text;
  } else {
    value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      if (is_string_list) {  // a,b,c
        value = nlohmann::json::array();
        std::stringstream ss(text);
        std::string item;
        while (std::getline(ss, item, ',')) value.push_back(item);
      } else {
        throw UsageError("--set " + key + ": expected " + TypeName(f->second) + ", got \"" + text + "\"");
      }
    }
  }
  SetFromJson(key, f->second, value, "--set");
}

nlohmann::json ConfigRegistry::ToJson() const {
  nlohmann::json root = nlohmann::json::object();
  for (const auto& kv : fields_) {
    nlohmann::json* node = &root;
    std::stringstream ss(kv.first);
    std::string part;
    std::vector<std::string> parts;
    while (std::getline(ss, part, '.')) parts.push_back(part);
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = ValueOf(kv.second);
  }
  return root;
}

std::string ConfigRegistry::Describe() const {
  std::ostringstream out;
  for (const auto& kv : fields_) {
    out << kv.first << " (" << TypeName(kv.second) << ") = " << ValueOf(kv.second).dump();
    if (!kv.second.help.empty()) out << "  # " << kv.second.help;
    out << "\n";
  }
  return out.str();
}

nlohmann::json ParseJson(const std::string& text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // Convert the byte offset into line:column, which is what an editor shows.
    size_t line = 1, col = 1;
    for (size_t i = 0; i < std::min<size_t>(e.byte ? e.byte - 1 : 0, text.size()); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw UsageError(origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": invalid JSON: " + e.what());
  } catch (const nlohmann::json::exception& e) {
    // A number JSON allows but a double cannot hold (1e400): out_of_range, no position.
    throw UsageError(origin + ": invalid JSON: " + e.what());
  }
}

nlohmann::json ReadJsonObjectFile(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFileToString(path));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw DataError(path + ": expected a JSON object");
  return j;
}

std::vector<std::pair<std::string, nlohmann::json>> LoadConfigChain(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, nlohmann::json>> chain;
  std::set<std::string> seen;
  std::string current = path;
  while (true) {
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(current, ec).string();
    if (seen.count(canon)) throw UsageError(current + ": \"extends\" forms a cycle");
    seen.insert(canon);
    if (!fs::exists(current)) {
      throw UsageError(current + ": config file not found");
    }
    // A folder, a FIFO or a device ("extends": "/dev/zero") is never a config: refuse
    // it rather than read forever.
    if (!fs::is_regular_file(current, ec)) throw UsageError(current + ": not a regular file (a config is a JSON file)");
    nlohmann::json j = ParseJson(ReadFileToString(current), current);
    if (!j.is_object()) throw UsageError(current + ": expected a JSON object at the top level");
    std::string parent;
    if (j.contains("extends")) {
      if (!j["extends"].is_string()) {
        throw UsageError(current + ": extends: expected string (a config file path)");
      }
      parent = (fs::path(current).parent_path() / j["extends"].get<std::string>()).string();
    }
    chain.emplace_back(current, std::move(j));
    if (parent.empty()) break;
    current = parent;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace merhan
