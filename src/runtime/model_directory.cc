#include "merhan/runtime/model_directory.h"

#include <filesystem>
#include <map>

#include "merhan/data/speech_encoder_stream.h"
#include "merhan/io/safetensors_writer.h"
#include "merhan/io/state_dict.h"
#include "merhan/runtime/speech_classifier_directory.h"
#include "merhan/runtime/speech_encoder_record.h"
#include "merhan/speech/speech_classifier_config.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"
#include "merhan/util/sha256.h"

namespace merhan {
namespace fs = std::filesystem;

namespace {

constexpr const char* kEncoderDir = "text_encoder";
constexpr const char* kSpeechEncodersDir = "speech_encoders";  // one folder per speech-encoder stream
constexpr const char* kWeights = "weights.safetensors";
constexpr const char* kNormalisation = "normalisation.safetensors";

// What inference reads from an encoder directory: its config, the weights file
// LoadBertEncoder picks (safetensors before .bin) and the tokenizer files
// LoadTokenizer reads. ONNX/OpenVINO exports, READMEs and pooling configs stay behind.
std::vector<std::string> EncoderFilesToCopy(const fs::path& dir) {
  std::vector<std::string> files;
  for (const char* name :
       {"config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
    if (fs::is_regular_file(dir / name)) files.push_back(name);
  }
  files.push_back(fs::is_regular_file(dir / "model.safetensors") ? "model.safetensors" : "pytorch_model.bin");
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".model") files.push_back(entry.path().filename().string());
  }
  return files;
}

// The git revision of the run that wrote `checkpoint` (run/fold-K/seed-S/best.ckpt:
// the run directory's environment.json), or "unknown" outside a run directory.
std::string TrainingRevision(const std::string& checkpoint) {
  std::error_code ec;
  fs::path dir = fs::absolute(checkpoint, ec).parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    if (!fs::is_regular_file(dir / "environment.json", ec)) continue;
    try {
      return nlohmann::json::parse(ReadFileToString((dir / "environment.json").string()))
          .value("git_revision", std::string("unknown"));
    } catch (const nlohmann::json::exception&) {
      return "unknown";
    }
  }
  return "unknown";
}

// {relative path: {"size", "sha256"}} of every regular file under `root` but model.json.
nlohmann::json FileChecksums(const fs::path& root) {
  std::map<std::string, nlohmann::json> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string rel = fs::relative(entry.path(), root).generic_string();
    if (rel == "model.json") continue;
    files[rel] = {{"size", entry.file_size()}, {"sha256", Sha256File(entry.path().string())}};
  }
  return files;
}

void WriteTensors(const LoadedModel& loaded, const fs::path& dir) {
  std::map<std::string, torch::Tensor> parameters, buffers;
  for (const auto& p : loaded.model->named_parameters()) parameters[p.key()] = p.value();
  for (const auto& b : loaded.model->named_buffers()) buffers[b.key()] = b.value();
  SaveSafetensors((dir / kWeights).string(), parameters, {{"format", "pt"}});
  SaveSafetensors((dir / kNormalisation).string(), buffers, {{"format", "pt"}});
}

void CopyTextEncoder(const LoadedModel& loaded, const fs::path& dir) {
  const fs::path from = ResolveModelDir(loaded.config.text.model_dir);
  CreateDirectories((dir / kEncoderDir).string());
  for (const auto& name : EncoderFilesToCopy(from)) {
    std::error_code ec;
    fs::copy_file(from / name, dir / kEncoderDir / name, ec);
    if (ec) throw DataError("cannot copy " + (from / name).string() + " into the model directory: " + ec.message());
  }
}

// The files a speech encoder's output depends on (SpeechEncoderFingerprint's) into
// speech_encoders/<stream>/, and the config pointed at them (relative to the model
// directory, resolved on load).
void CopySpeechEncoders(const LoadedModel& loaded, const fs::path& dir, nlohmann::json* config) {
  for (const PrecomputedStreamSpec& spec : ReadSpeechStreams(loaded.config)) {
    const fs::path from = fs::absolute(spec.speech.model_dir);
    const fs::path to = dir / kSpeechEncodersDir / spec.name;
    CreateDirectories(to.string());
    const nlohmann::json files = SpeechEncoderFingerprint(from.string());
    for (auto it = files.begin(); it != files.end(); ++it) {
      const std::string& name = it.key();
      std::error_code ec;
      fs::copy_file(from / name, to / name, ec);
      if (ec) throw DataError("cannot copy " + (from / name).string() + " into the model directory: " + ec.message());
    }
    (*config)["data"]["streams"][spec.name]["model_dir"] = (fs::path(kSpeechEncodersDir) / spec.name).string();
  }
}

// An exported model's speech encoders lie in the directory: their relative model_dir
// is resolved against it.
void ResolveBundledSpeechEncoders(const fs::path& dir, ExperimentConfig* config) {
  for (auto& [name, spec] : config->data.streams.items()) {
    if (!spec.is_object() || spec.value("format", "") != "speech-encoder" || !spec.contains("model_dir")) continue;
    const fs::path model_dir = spec["model_dir"].get<std::string>();
    if (model_dir.is_relative()) spec["model_dir"] = (dir / model_dir).string();
  }
}

nlohmann::json ReadModelJson(const fs::path& dir);

// Replacing is for model directories only: never a folder that happens to be at `out_dir`.
void CheckReplaceable(const std::string& out_dir) {
  std::error_code ec;
  if (!fs::exists(out_dir, ec)) return;
  try {
    ReadModelJson(out_dir);
  } catch (const DataError& e) {
    throw UsageError("--replace: " + out_dir + " is not a merhan model directory, so it is not replaced (" + e.what() +
                     ")");
  }
}

}  // namespace

nlohmann::json ExportModelDirectory(const std::string& checkpoint, const std::string& out_dir,
                                    const std::string& text_model_dir, ExistingOutput existing,
                                    const std::map<std::string, std::string>& speech_model_dirs) {
  const bool replace = existing == ExistingOutput::kReplace;
  if (replace) CheckReplaceable(out_dir);
  LoadOptions load;
  load.device = "cpu";
  load.text_model_dir = text_model_dir;
  load.speech_model_dirs = speech_model_dirs;
  LoadedModel loaded = LoadModelForInference(checkpoint, load);
  const bool with_encoder = loaded.model->UsesText() && !loaded.config.text.model_dir.empty();
  nlohmann::json model = loaded.meta.ToJson();
  model.erase("config");  // config.json holds it
  model["format"] = kModelDirectoryFormat;
  model["version"] = kModelDirectoryVersion;
  model["kind"] = "model";
  model["exported_from"] = fs::absolute(checkpoint).string();
  model["training_revision"] = TrainingRevision(checkpoint);
  WriteDirectoryAtomically(
      out_dir,
      [&](const std::string& tmp) {
        const fs::path dir(tmp);
        WriteTensors(loaded, dir);
        nlohmann::json config = loaded.config.ToJson();
        if (with_encoder) {
          CopyTextEncoder(loaded, dir);
          config["text"]["model_dir"] = kEncoderDir;  // resolved against the model directory on load
        }
        CopySpeechEncoders(loaded, dir, &config);
        WriteStringAtomically((dir / "config.json").string(), config.dump(2) + "\n");
        WriteStringAtomically((dir / "labels.json").string(), nlohmann::json(loaded.meta.classes).dump() + "\n");
        model["files"] = FileChecksums(dir);
        WriteStringAtomically((dir / "model.json").string(), model.dump(2) + "\n");
      },
      replace);
  return model;
}

namespace {

nlohmann::json ReadModelJson(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw DataError("model directory " + dir.string() + " does not exist");
  const fs::path path = dir / "model.json";
  if (!fs::is_regular_file(path)) {
    throw DataError(dir.string() + " is not a merhan model directory (no model.json; make one with merhan export)");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFileToString(path.string()));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path.string() + ": not valid JSON: " + e.what());
  }
  if (!j.is_object() || j.value("format", std::string()) != kModelDirectoryFormat) {
    throw DataError(path.string() + ": not a merhan model description (format is not \"" +
                    std::string(kModelDirectoryFormat) + "\")");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() > kModelDirectoryVersion) {
    throw DataError(path.string() + ": model directory version " + j.value("version", nlohmann::json()).dump() +
                    " is not one this merhan reads (up to " + std::to_string(kModelDirectoryVersion) + ")");
  }
  if (!j.contains("files") || !j["files"].is_object()) throw DataError(path.string() + ": no \"files\" object");
  return j;
}

// Every listed file present with its size and SHA-256, and nothing else: a
// tokenizer file added later would change what the tokenizer does.
void VerifyFiles(const fs::path& dir, const nlohmann::json& listed) {
  const nlohmann::json now = FileChecksums(dir);
  for (auto it = listed.begin(); it != listed.end(); ++it) {
    const std::string file = (dir / it.key()).string();
    if (!now.contains(it.key())) throw DataError(file + " is missing from the model directory");
    if (now[it.key()] != it.value()) {
      throw DataError(file + " changed since export (size/sha256 " + it.value().dump() + " -> " + now[it.key()].dump() +
                      " in model.json's record)");
    }
  }
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (!listed.contains(it.key())) {
      throw DataError((dir / it.key()).string() + " is not part of the exported model (not in model.json)");
    }
  }
}

// Copies the tensors of `file` into `targets` by name; every target must be
// there with its shape, and the file must hold nothing else.
void CopyNamed(const torch::OrderedDict<std::string, torch::Tensor>& targets, const std::string& file) {
  const StateDict stored = LoadSafetensors(file);
  torch::NoGradGuard no_grad;
  for (const auto& target : targets) {
    const torch::Tensor& t = stored.Get(target.key());
    if (t.sizes() != target.value().sizes()) {
      throw DataError(file + ": tensor " + target.key() + " has shape " + Cat(t.sizes()) + ", the model expects " +
                      Cat(target.value().sizes()));
    }
    target.value().copy_(t);
  }
  if (stored.size() != targets.size()) {
    for (const auto& name : stored.Names()) {
      if (!targets.contains(name)) throw DataError(file + ": tensor " + name + " is not part of this model");
    }
  }
}

}  // namespace

LoadedModel LoadModelDirectory(const std::string& dir_in, const std::string& device, Calibration calibration) {
  std::error_code ec;
  const fs::path dir = fs::absolute(dir_in, ec).lexically_normal();
  nlohmann::json model = ReadModelJson(dir);
  VerifyFiles(dir, model["files"]);
  const std::string config_path = (dir / "config.json").string();
  LoadedModel loaded;
  loaded.checkpoint_path = dir.string();
  try {
    loaded.config = ExperimentConfig::FromJson(nlohmann::json::parse(ReadFileToString(config_path)), config_path);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(config_path + ": not valid JSON: " + e.what());
  } catch (const UsageError& e) {
    throw DataError(config_path + ": not a config this merhan reads: " + e.what());
  }
  if (fs::is_directory(dir / kEncoderDir)) loaded.config.text.model_dir = (dir / kEncoderDir).string();
  ResolveBundledSpeechEncoders(dir, &loaded.config);
  // model.json is the checkpoint's metadata without its config (see ExportModelDirectory).
  model["format"] = kCheckpointFormat;
  model["version"] = kCheckpointVersion;
  model["config"] = loaded.config.ToJson();
  loaded.meta = CheckpointMeta::FromJson(model, (dir / "model.json").string());
  LoadOptions options;
  options.device = device;
  options.calibration = calibration;
  BuildLoadedModel(&loaded, options, [&](torch::nn::Module& m) {
    CheckSpeechEncoders(loaded.meta.speech_encoders, loaded.config, (dir / "model.json").string());
    CopyNamed(m.named_parameters(), (dir / kWeights).string());
    CopyNamed(m.named_buffers(), (dir / kNormalisation).string());
  });
  return loaded;
}

void CheckModelSource(const ModelSource& source) {
  if (source.checkpoint.empty() == source.model_dir.empty()) {
    throw UsageError("give either --checkpoint FILE or --model DIR (an exported model directory)");
  }
  if (!source.model_dir.empty() && !source.text_model_dir.empty()) {
    throw UsageError("--text-model-dir is for checkpoints; a model directory carries its own text encoder");
  }
  if (!source.model_dir.empty() && !source.speech_model_dirs.empty()) {
    throw UsageError("--speech-model-dir is for checkpoints; a model directory carries its own speech encoders");
  }
}

bool IsPublishedSpeechClassifier(const ModelSource& source) {
  std::error_code ec;
  return !source.model_dir.empty() && !fs::exists(fs::path(source.model_dir) / "model.json", ec) &&
         IsSpeechClassifierDir(source.model_dir);
}

LoadedModel LoadModelFromSource(const ModelSource& source, const std::string& device, Calibration calibration) {
  CheckModelSource(source);
  if (IsPublishedSpeechClassifier(source)) return LoadSpeechClassifierDirectory(source.model_dir, device);
  if (!source.model_dir.empty()) return LoadModelDirectory(source.model_dir, device, calibration);
  LoadOptions options;
  options.device = device;
  options.calibration = calibration;
  options.text_model_dir = source.text_model_dir;
  options.speech_model_dirs = source.speech_model_dirs;
  return LoadModelForInference(source.checkpoint, options);
}

nlohmann::json DescribeLoadedModel(const LoadedModel& loaded) {
  return {{"source", loaded.checkpoint_path},
          {"classes", loaded.meta.classes},
          {"model_type", loaded.config.ToJson()["model"]["type"]},
          {"metrics", loaded.meta.metrics},
          {"calibration", {{"temperature", loaded.temperature}, {"stored", loaded.meta.calibration}}},
          {"fold", loaded.meta.fold},
          {"fold_name", loaded.meta.fold_name},
          {"seed", loaded.meta.seed},
          {"epoch", loaded.meta.epoch},
          {"config", loaded.config.ToJson()}};
}

}  // namespace merhan
