#include "merhan/speech/speech_model_dir.h"

#include <filesystem>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

namespace {

constexpr const char* kExpected = "config.json and model.safetensors or pytorch_model.bin";

}  // namespace

std::string SpeechWeightsFile(const std::string& dir) {
  std::error_code ec;
  for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
    if (fs::is_regular_file(fs::path(dir) / name, ec)) return (fs::path(dir) / name).string();
  }
  return "";
}

void CheckSpeechModelFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw DataError(dir + ": speech encoder directory not found (expected " + kExpected + ")");
  }
  std::string lacking;
  if (!fs::is_regular_file(fs::path(dir) / "config.json", ec)) lacking = "config.json";
  if (SpeechWeightsFile(dir).empty()) {
    lacking += std::string(lacking.empty() ? "" : "; ") + "model.safetensors or pytorch_model.bin";
    if (fs::exists(fs::path(dir) / "model.safetensors.index.json", ec)) {
      lacking += " (sharded checkpoints are not supported: save with a larger max_shard_size)";
    }
  }
  if (!lacking.empty()) {
    throw DataError(dir + ": not a usable speech encoder directory (expected " + kExpected + "); missing " + lacking);
  }
}

void SpeechEncoderOptions::Validate() const {
  if (model_dir.empty()) throw UsageError("speech encoder: model_dir is empty (a local Hugging Face directory)");
}

std::string SpeechEncoderOptions::ToString() const { return "SpeechEncoderOptions(model_dir=" + model_dir + ")"; }

LoadedSpeechEncoder LoadSpeechEncoder(const SpeechEncoderOptions& options) {
  options.Validate();
  CheckSpeechModelFiles(options.model_dir);
  LoadedSpeechEncoder enc;
  enc.model_dir = options.model_dir;
  enc.config = SpeechEncoderConfig::FromJson((fs::path(options.model_dir) / "config.json").string());
  enc.preprocessor = SpeechPreprocessorConfig::FromModelDir(options.model_dir);
  // The weights first, then the module: a safetensors file is mapped while it is
  // read, so loading it while the module's parameters already exist held three
  // copies of the weights at once (the mapping, the tensors, the parameters); this
  // order holds two at most (docs/benchmarks.md, "Speech-encoder extraction (CPU)").
  StateDict weights = LoadStateDict(SpeechWeightsFile(options.model_dir));
  enc.model = SpeechEncoder(enc.config);
  enc.report = LoadSpeechWeights(*enc.model, weights);
  weights = StateDict();
  if (!enc.report.unexpected.empty()) {
    log::Warn(enc.report.ToString());
  } else {
    log::Debug(enc.report.ToString());
  }
  for (auto& p : enc.model->parameters()) p.set_requires_grad(false);
  enc.model->eval();
  log::Debug(enc.config.ToString() + "; " + enc.preprocessor.ToString());
  return enc;
}

}  // namespace merhan
