#include "merhan/data/precomputed_stream_spec.h"

#include <algorithm>
#include <initializer_list>
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

void CheckKeys(const std::string& name, const nlohmann::json& j, std::initializer_list<const char*> known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw UsageError("data.streams." + name + "." + it.key() + ": unknown key (" + list + ")");
    }
  }
}

PrecomputedFormat ParseFormat(const std::string& name, const nlohmann::json& j) {
  const nlohmann::json& v = j.contains("format") ? j["format"] : nlohmann::json("npy");
  if (v == "npy") return PrecomputedFormat::kNpy;
  if (v == "safetensors") return PrecomputedFormat::kSafetensors;
  if (v == "speech-encoder") return PrecomputedFormat::kSpeechEncoder;
  throw UsageError(Key(name, "format") + ": expected npy, safetensors or speech-encoder, got " + v.dump());
}

// "all", [i, j, ...] or "a-b" (inclusive): hidden_states indices, ascending.
std::vector<int> ParseLayers(const std::string& name, const nlohmann::json& j) {
  const std::string key = Key(name, "layers");
  const std::string expected = ": expected \"all\", a list of hidden-state indices or a range \"a-b\", got ";
  if (!j.contains("layers") || j["layers"] == "all") return {};
  const nlohmann::json& v = j["layers"];
  std::vector<int> layers;
  std::smatch m;
  std::string text = v.is_string() ? v.get<std::string>() : "";
  if (v.is_string() && std::regex_match(text, m, std::regex("([0-9]{1,4})-([0-9]{1,4})"))) {
    const int from = std::stoi(m[1]), to = std::stoi(m[2]);
    if (from > to) throw UsageError(key + ": the range " + text + " is empty (a-b with a <= b)");
    for (int i = from; i <= to; ++i) layers.push_back(i);
    return layers;
  }
  if (!v.is_array() || v.empty()) throw UsageError(key + expected + v.dump());
  for (const auto& x : v) {
    if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > 9999) {
      throw UsageError(key + expected + v.dump());
    }
    const int i = x.get<int>();
    if (!layers.empty() && i <= layers.back()) throw UsageError(key + ": indices ascending without repeats, got " + v.dump());
    layers.push_back(i);
  }
  return layers;
}

PrecomputedStreamSpec ParseSpeechStream(PrecomputedStreamSpec spec, const nlohmann::json& j) {
  const std::string& name = spec.name;
  CheckKeys(name, j, {"format", "model_dir", "layers", "dtype", "device", "dim", "normalize", "trainable_layers"});
  if (!j.contains("model_dir") || !j["model_dir"].is_string() || j["model_dir"].get<std::string>().empty()) {
    throw UsageError(Key(name, "model_dir") + ": required, a local Hugging Face speech encoder directory");
  }
  spec.speech.model_dir = j["model_dir"].get<std::string>();
  spec.speech.layers = ParseLayers(name, j);
  const nlohmann::json dtype = j.value("dtype", nlohmann::json("float16"));
  if (dtype == "float16") {
    spec.speech.storage = SpeechStorage::kFloat16;
  } else if (dtype == "float32") {
    spec.speech.storage = SpeechStorage::kFloat32;
  } else {
    throw UsageError(Key(name, "dtype") + ": expected float16 or float32 (the cache's storage), got " + dtype.dump());
  }
  const nlohmann::json device = j.value("device", nlohmann::json("cpu"));
  if (!device.is_string() || !std::regex_match(device.get<std::string>(), std::regex("cpu|cuda(:[0-9]{1,2})?"))) {
    throw UsageError(Key(name, "device") + ": expected cpu, cuda or cuda:N, got " + device.dump());
  }
  spec.speech.device = device.get<std::string>();
  if (j.contains("trainable_layers")) {
    const nlohmann::json& n = j["trainable_layers"];
    if (!n.is_number_integer() || n.get<int64_t>() < 0 || n.get<int64_t>() > 9999) {
      throw UsageError(Key(name, "trainable_layers") + ": expected an integer >= 0 (top layers trained), got " +
                       n.dump());
    }
    spec.speech.trainable_layers = n.get<int>();
  }
  if (j.contains("dim") && (!j["dim"].is_number_integer() || j["dim"].get<int64_t>() < 1)) {
    throw UsageError(Key(name, "dim") + ": an integer >= 1 (the encoder's hidden size), or left out");
  }
  spec.dim = j.value("dim", int64_t{0});
  spec.normalize = ParseNormalization(name, j);
  if (spec.normalize != StreamNormalization::kNone) {
    // The learned layer weighting rescales the states; per-speaker statistics of
    // stored states of several layers are not what the model reads.
    throw UsageError(Key(name, "normalize") + ": not supported for speech-encoder streams (none)");
  }
  return spec;
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
  PrecomputedStreamSpec spec;
  spec.name = name;
  spec.format = ParseFormat(name, j);
  if (spec.format == PrecomputedFormat::kSpeechEncoder) return ParseSpeechStream(std::move(spec), j);
  CheckKeys(name, j, {"format", "dir", "file", "dim", "normalize"});
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
