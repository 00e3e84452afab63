#include "merhan/runtime/checkpoint_meta.h"

#include <limits>

#include "merhan/util/error.h"
#include "merhan/util/json_number.h"

namespace merhan {
namespace {

int GetInt(const nlohmann::json& j, const char* key, const std::string& origin) {
  const nlohmann::json& v = j.at(key);
  const auto x = JsonInteger(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  if (!x || !v.is_number_integer()) {
    throw DataError(origin + ": malformed checkpoint metadata: '" + key +
                    "' must be an integer that fits an int, got " + v.dump().substr(0, 40));
  }
  return static_cast<int>(*x);
}

}  // namespace

nlohmann::json CheckpointMeta::ToJson() const {
  nlohmann::json dims_json = {
      {"num_classes", dims.num_classes}, {"audio_dim", dims.audio_dim}, {"text_dim", dims.text_dim}};
  if (!dims.stream_dims.empty()) dims_json["stream_dims"] = dims.stream_dims;  // declared streams only
  if (!dims.stream_layers.empty()) dims_json["stream_layers"] = dims.stream_layers;
  nlohmann::json j = {{"format", kCheckpointFormat},
                      {"version", kCheckpointVersion},
                      {"kind", kind},
                      {"config", config},
                      {"classes", classes},
                      {"dims", dims_json},
                      {"fold", fold},
                      {"fold_name", fold_name},
                      {"seed", seed},
                      {"epoch", epoch},
                      {"metrics", metrics},
                      {"text_encoder", text_encoder},
                      {"calibration", calibration}};
  if (!stream_normalization.is_null()) j["stream_normalization"] = stream_normalization;
  if (!speech_encoders.is_null()) j["speech_encoders"] = speech_encoders;
  return j;
}

CheckpointMeta CheckpointMeta::FromJson(const nlohmann::json& j, const std::string& origin) {
  CheckpointMeta m;
  try {
    if (j.at("format").get<std::string>() != kCheckpointFormat) {
      throw DataError(origin + ": not a merhan checkpoint");
    }
    const int version = GetInt(j, "version", origin);
    if (version > kCheckpointVersion) {
      throw DataError(origin + ": checkpoint format version " + std::to_string(version) +
                      " is newer than this merhan reads (" + std::to_string(kCheckpointVersion) + ")");
    }
    m.kind = j.at("kind").get<std::string>();
    m.config = j.at("config");
    m.classes = j.at("classes").get<std::vector<std::string>>();
    const nlohmann::json& dims = j.at("dims");
    m.dims.num_classes = GetInt(dims, "num_classes", origin);
    m.dims.audio_dim = GetInt(dims, "audio_dim", origin);
    m.dims.text_dim = GetInt(dims, "text_dim", origin);
    if (dims.contains("stream_dims")) {
      for (const auto& [name, value] : dims.at("stream_dims").items()) {
        m.dims.stream_dims[name] = GetInt(dims.at("stream_dims"), name.c_str(), origin);
      }
    }
    if (dims.contains("stream_layers")) {
      for (const auto& [name, value] : dims.at("stream_layers").items()) {
        m.dims.stream_layers[name] = GetInt(dims.at("stream_layers"), name.c_str(), origin);
      }
    }
    m.fold = GetInt(j, "fold", origin);
    m.fold_name = j.at("fold_name").get<std::string>();
    m.seed = GetInt(j, "seed", origin);
    m.epoch = GetInt(j, "epoch", origin);
    m.metrics = j.at("metrics");
    m.text_encoder = j.at("text_encoder");
    m.speech_encoders = j.contains("speech_encoders") ? j.at("speech_encoders") : nlohmann::json();
    // Absent from checkpoints written before calibration existed.
    m.calibration = j.contains("calibration") ? j.at("calibration") : nlohmann::json();
    // Checked by its reader (SpeakerStatistics::FromJson) when a manifest is evaluated.
    m.stream_normalization = j.contains("stream_normalization") ? j.at("stream_normalization") : nlohmann::json();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(origin + ": malformed checkpoint metadata: " + e.what());
  }
  return m;
}

CheckpointMeta CheckpointMeta::Parse(const std::string& text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(origin + ": corrupt checkpoint metadata: " + e.what());
  }
  return FromJson(j, origin);
}

}  // namespace merhan
