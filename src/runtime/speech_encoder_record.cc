#include "merhan/runtime/speech_encoder_record.h"

#include <filesystem>

#include "merhan/data/feature_streams.h"
#include "merhan/data/speech_encoder_stream.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

std::vector<PrecomputedStreamSpec> ReadSpeechStreams(const ExperimentConfig& config) {
  const std::vector<std::string> read = RequiredStreams(config.model, config.text).Precomputed();
  std::vector<PrecomputedStreamSpec> out;
  for (const PrecomputedStreamSpec& spec : ParsePrecomputedStreams(config.data.streams)) {
    if (spec.format != PrecomputedFormat::kSpeechEncoder) continue;
    if (std::find(read.begin(), read.end(), spec.name) != read.end()) out.push_back(spec);
  }
  return out;
}

nlohmann::json SpeechEncoderRecord(const ExperimentConfig& config) {
  nlohmann::json record = nlohmann::json::object();
  for (const PrecomputedStreamSpec& spec : ReadSpeechStreams(config)) {
    const std::string dir = ResolveSpeechStream(spec).model_dir;
    record[spec.name] = {{"dir", dir}, {"files", SpeechEncoderFingerprint(dir)}};
  }
  return record.empty() ? nlohmann::json(nullptr) : record;
}

void RedirectSpeechEncoders(const std::map<std::string, std::string>& moved, ExperimentConfig* config) {
  for (const auto& [name, dir] : moved) {
    nlohmann::json& streams = config->data.streams;
    if (!streams.is_object() || !streams.contains(name) || !streams[name].is_object() ||
        streams[name].value("format", "") != "speech-encoder") {
      throw UsageError("--speech-model-dir " + name + "=" + dir + ": the model has no speech-encoder stream " + name);
    }
    std::error_code ec;
    streams[name]["model_dir"] = fs::absolute(dir, ec).lexically_normal().string();
  }
}

void CheckSpeechEncoders(const nlohmann::json& recorded, const ExperimentConfig& config, const std::string& origin) {
  if (recorded.is_null()) return;
  const std::vector<PrecomputedStreamSpec> specs = ReadSpeechStreams(config);
  for (const auto& [name, record] : recorded.items()) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const auto& s) { return s.name == name; });
    if (spec == specs.end()) throw DataError(origin + ": records speech encoder stream " + name + ", its config has none");
    std::error_code ec;
    const std::string dir = fs::absolute(spec->speech.model_dir, ec).lexically_normal().string();
    const std::string hint = " (the model's stream " + name + " was trained on the encoder recorded in " + origin +
                             ": restore it in " + dir + ", give its new place with --speech-model-dir " + name +
                             "=DIR, or retrain)";
    if (!fs::is_directory(dir, ec)) throw DataError("speech encoder directory " + dir + " is missing" + hint);
    CheckSameFiles(record.at("files"), SpeechEncoderFingerprint(dir), "speech encoder directory " + dir, hint);
  }
}

}  // namespace merhan
