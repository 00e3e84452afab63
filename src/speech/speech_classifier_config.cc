#include "merhan/speech/speech_classifier_config.h"

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "merhan/util/error.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

namespace {

nlohmann::json ReadConfig(const std::string& path) {
  try {
    return nlohmann::json::parse(ReadFileToString(path));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": not valid JSON: " + e.what());
  }
}

// id2label {"0": "neu", ...} as the names in id order.
std::vector<std::string> Labels(const nlohmann::json& j, const std::string& path) {
  const std::string expected = ": id2label must map the ids 0..n-1 (n >= 2) to class names";
  if (!j.contains("id2label") || !j["id2label"].is_object() || j["id2label"].size() < 2) {
    throw DataError(path + expected);
  }
  std::map<int, std::string> by_id;
  for (const auto& [key, value] : j["id2label"].items()) {
    if (!value.is_string() || value.get<std::string>().empty() ||
        key.find_first_not_of("0123456789") != std::string::npos || key.empty() || key.size() > 6) {
      throw DataError(path + expected + ", got " + j["id2label"].dump());
    }
    by_id[std::stoi(key)] = value.get<std::string>();
  }
  std::vector<std::string> labels;
  for (const auto& [id, label] : by_id) {
    if (id != static_cast<int>(labels.size())) throw DataError(path + expected + ", got " + j["id2label"].dump());
    labels.push_back(label);
  }
  return labels;
}

}  // namespace

SpeechClassifierConfig SpeechClassifierConfig::FromJson(const std::string& config_path) {
  const nlohmann::json j = ReadConfig(config_path);
  SpeechClassifierConfig c;
  c.labels = Labels(j, config_path);
  if (j.contains("classifier_proj_size")) {
    const auto& v = j["classifier_proj_size"];
    if (!v.is_number_integer() || v.get<int64_t>() < 1) {
      throw DataError(config_path + ": classifier_proj_size must be a positive integer, got " + v.dump());
    }
    c.projector_size = v.get<int64_t>();
  }
  if (j.contains("use_weighted_layer_sum")) {
    const auto& v = j["use_weighted_layer_sum"];
    if (!v.is_boolean()) throw DataError(config_path + ": use_weighted_layer_sum must be true or false, got " + v.dump());
    c.weighted_layer_sum = v.get<bool>();
  }
  return c;
}

std::string SpeechClassifierConfig::ToString() const {
  std::string names;
  for (const auto& l : labels) names += (names.empty() ? "" : ",") + l;
  return Cat("SpeechClassifierConfig(labels=", names, ", projector=", projector_size,
             ", weighted_layer_sum=", weighted_layer_sum ? "true" : "false", ")");
}

bool IsSpeechClassifierDir(const std::string& dir) {
  std::error_code ec;
  const fs::path path = fs::path(dir) / "config.json";
  if (!fs::is_regular_file(path, ec)) return false;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFileToString(path.string()));
  } catch (const std::exception&) {
    return false;
  }
  if (!j.is_object() || !j.contains("architectures") || !j["architectures"].is_array()) return false;
  const std::string suffix = "ForSequenceClassification";
  for (const auto& a : j["architectures"]) {
    if (!a.is_string()) continue;
    const std::string name = a.get<std::string>();
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace merhan
