#include "merhan/data/precomputed_stream_spec.h"

#include <regex>

#include "merhan/util/error.h"

namespace merhan {
namespace {

std::string Key(const std::string& name, const char* field) { return "data.streams." + name + "." + field; }

StreamNormalization ParseNormalization(const std::string& name, const nlohmann::json& j) {
  if (!j.contains("normalize")) return StreamNormalization::kNone;
  const nlohmann::json& v = j["normalize"];
  for (StreamNormalization n :
       {StreamNormalization::kNone, StreamNormalization::kSpeaker, StreamNormalization::kSpeakerTransductive}) {
    if (v.is_string() && v.get<std::string>() == StreamNormalizationName(n)) return n;
  }
  throw UsageError(Key(name, "normalize") + ": expected none, speaker or speaker-transductive, got " + v.dump());
}

PrecomputedStreamSpec ParseOne(const std::string& name, const nlohmann::json& j) {
  if (!std::regex_match(name, std::regex("[A-Za-z0-9_-]+"))) {
    throw UsageError("data.streams." + name + ": a stream name is letters, digits, '_' or '-'");
  }
  for (const char* reserved : {"mfcc", "text", "tokens", "audio"}) {
    if (name == reserved) throw UsageError("data.streams." + name + ": the name of a computed stream; choose another");
  }
  if (!j.is_object()) {
    throw UsageError("data.streams." + name + ": expected an object {format, dir|file, dim[, normalize]}");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "format" && k != "dir" && k != "file" && k != "dim" && k != "normalize") {
      throw UsageError("data.streams." + name + "." + k + ": unknown key (format, dir, file, dim, normalize)");
    }
  }
  PrecomputedStreamSpec spec;
  spec.name = name;
  const std::string format = j.value("format", std::string("npy"));
  if (format == "npy") {
    spec.format = PrecomputedFormat::kNpy;
  } else if (format == "safetensors") {
    spec.format = PrecomputedFormat::kSafetensors;
  } else {
    throw UsageError(Key(name, "format") + ": expected npy or safetensors, got \"" + format + "\"");
  }
  if (!j.contains("dim") || !j["dim"].is_number_integer() || j["dim"].get<int64_t>() < 1) {
    throw UsageError(Key(name, "dim") + ": required, an integer >= 1 (features per row)");
  }
  spec.dim = j["dim"].get<int64_t>();
  spec.normalize = ParseNormalization(name, j);
  auto path = [&](const char* field) {
    if (!j.contains(field)) return std::string();
    if (!j[field].is_string()) throw UsageError(Key(name, field) + ": expected a path");
    return j[field].get<std::string>();
  };
  spec.dir = path("dir");
  spec.file = path("file");
  if (spec.format == PrecomputedFormat::kSafetensors && spec.file.empty()) {
    throw UsageError(Key(name, "file") + ": required for format safetensors (one file keyed by utterance id)");
  }
  if (spec.format == PrecomputedFormat::kNpy && !spec.file.empty()) {
    throw UsageError(Key(name, "file") + ": only for format safetensors; npy reads dir/<id>.npy or a manifest column");
  }
  return spec;
}

}  // namespace

const char* StreamNormalizationName(StreamNormalization n) {
  switch (n) {
    case StreamNormalization::kNone: return "none";
    case StreamNormalization::kSpeaker: return "speaker";
    case StreamNormalization::kSpeakerTransductive: return "speaker-transductive";
  }
  throw InternalError("StreamNormalizationName: unknown normalization");
}

std::vector<PrecomputedStreamSpec> ParsePrecomputedStreams(const nlohmann::json& streams) {
  if (streams.is_null()) return {};
  if (!streams.is_object())
    throw UsageError("data.streams: expected an object of stream name -> {format, dir|file, dim}");
  std::vector<PrecomputedStreamSpec> specs;
  for (auto it = streams.begin(); it != streams.end(); ++it) specs.push_back(ParseOne(it.key(), it.value()));
  return specs;
}

}  // namespace merhan
