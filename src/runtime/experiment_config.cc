#include "merhan/runtime/experiment_config.h"

#include <algorithm>
#include <filesystem>

#include "merhan/data/precomputed_stream_spec.h"
#include "merhan/util/error.h"

namespace merhan {
namespace fs = std::filesystem;

void ExperimentConfig::Register(ConfigRegistry* r) {
  run.Register(r);
  data.Register(r);
  audio.Register(r);
  mfcc.Register(r);
  text.Register(r);
  model.Register(r);
  train.Register(r);
  analysis.Register(r);
}

void ExperimentConfig::Validate() const {
  run.Validate();
  data.Validate();
  audio.Validate();
  mfcc.Validate();
  text.Validate();
  model.Validate();
  train.Validate();
  analysis.Validate();
  CheckSampleRatesAgree(audio, mfcc);
  for (const std::string& name : model.Inputs()) {
    if (name != kAudioInput && name != kTextInput && !data.streams.contains(name)) {
      throw UsageError("model.streams: \"" + name + "\" is neither audio, text nor a stream declared in data.streams");
    }
  }
  for (const PrecomputedStreamSpec& spec : ParsePrecomputedStreams(data.streams)) {
    const std::vector<std::string> inputs = model.Inputs();
    const bool read = std::find(inputs.begin(), inputs.end(), spec.name) != inputs.end();
    if (spec.speech.trainable_layers > 0 && read && model.type != "merhan" && model.type != "mlp") {
      // Early fusion fits its standardisation once; late fusion's members train apart.
      throw UsageError("data.streams." + spec.name +
                       ".trainable_layers: training an encoder's top layers is supported for model.type merhan and "
                       "mlp, not " + model.type + "; use 0");
    }
  }
  const bool pools_audio = model.type != "merhan" && model.UsesAudio();
  if (pools_audio && audio.cmvn == "utterance") {
    // Per-utterance CMVN leaves every coefficient with temporal mean exactly 0, and the
    // mean is all these models see of the audio: they would learn from nothing.
    throw UsageError(
        "audio.cmvn: \"utterance\" makes the temporal mean of every utterance's MFCCs zero, and "
        "model.type " +
        model.type + " sees only that mean; use audio.cmvn=none");
  }
  if (text.trainable_layers > 0) {
    // The encoder then runs inside the model on cached token ids (FineTunedTextModel).
    if (model.type != "merhan" && model.type != "text") {
      throw UsageError(
          "text.trainable_layers: fine-tuning the text encoder is supported for model.type merhan and "
          "text, not " +
          model.type +
          " (early fusion standardises text features with statistics "
          "fitted once; late fusion trains its classifiers apart); use 0");
    }
    if (!model.UsesText()) {
      throw UsageError("text.trainable_layers: the model reads no text-encoder states (model.modalities=" +
                       model.modalities + ", model.streams=" + nlohmann::json(model.streams).dump() + "); use 0");
    }
    if (text.dtype != "fp32") {
      throw UsageError(
          "text.trainable_layers: a fine-tuned encoder must be stored in fp32 (text.dtype=fp32); "
          "bf16 autocast (train.bf16, train.cpu_bf16) still applies");
    }
  }
}

nlohmann::json ExperimentConfig::ToJson() const {
  ExperimentConfig copy = *this;
  ConfigRegistry r;
  copy.Register(&r);
  return r.ToJson();
}

namespace {

// Paths in a config file are relative to that file, so configs can be moved
// together with their data. Absolute paths and empty strings are kept.
void ResolvePath(std::string* path, const fs::path& base) {
  if (path->empty() || fs::path(*path).is_absolute()) return;
  *path = (base / *path).lexically_normal().string();
}

// data.streams.<name>.dir, .file and (speech-encoder streams) .model_dir.
void ResolveStreamPaths(nlohmann::json* streams, const fs::path& base) {
  if (!streams->is_object()) return;  // Validate names the problem
  for (auto it = streams->begin(); it != streams->end(); ++it) {
    if (!it.value().is_object()) continue;
    for (const char* key : {"dir", "file", "model_dir"}) {
      if (!it.value().contains(key) || !it.value()[key].is_string()) continue;
      std::string path = it.value()[key].get<std::string>();
      ResolvePath(&path, base);
      it.value()[key] = path;
    }
  }
}

// data.corpora[i].root and .manifest, relative to the config file that names them.
void ResolveCorporaPaths(nlohmann::json* corpora, const fs::path& base) {
  if (!corpora->is_array()) return;  // Validate names the key
  for (auto& entry : *corpora) {
    if (!entry.is_object()) continue;
    for (const char* key : {"root", "manifest"}) {
      if (!entry.contains(key) || !entry[key].is_string()) continue;
      std::string path = entry[key].get<std::string>();
      ResolvePath(&path, base);
      entry[key] = path;
    }
  }
}

}  // namespace

ExperimentConfig ExperimentConfig::Load(const std::string& path, const std::vector<std::string>& overrides) {
  ExperimentConfig config;
  ConfigRegistry r;
  config.Register(&r);
  for (const auto& [file, json] : LoadConfigChain(path)) {
    // Each file's own relative paths are resolved against that file's folder.
    ExperimentConfig before = config;
    r.Apply(json, file);
    const fs::path base = fs::path(file).parent_path();
    if (config.data.root != before.data.root) ResolvePath(&config.data.root, base);
    if (config.data.manifest != before.data.manifest) ResolvePath(&config.data.manifest, base);
    if (config.data.cache_dir != before.data.cache_dir) ResolvePath(&config.data.cache_dir, base);
    if (config.data.streams != before.data.streams) ResolveStreamPaths(&config.data.streams, base);
    if (config.data.corpora != before.data.corpora) ResolveCorporaPaths(&config.data.corpora, base);
    // "minilm" names the bundled encoder, not a folder next to the config.
    if (config.text.model_dir != before.text.model_dir && config.text.model_dir != "minilm") {
      ResolvePath(&config.text.model_dir, base);
    }
  }
  // --set values are relative to the working directory, like any CLI path.
  for (const auto& o : overrides) r.ApplyOverride(o);
  config.Validate();
  return config;
}

ExperimentConfig ExperimentConfig::FromJson(const nlohmann::json& resolved, const std::string& origin) {
  ExperimentConfig config;
  ConfigRegistry r;
  config.Register(&r);
  r.Apply(resolved, origin);
  config.Validate();
  return config;
}

}  // namespace merhan
