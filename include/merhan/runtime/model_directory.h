// A portable model directory (`merhan export`): everything inference needs in
// one folder, with a checksum of every file, so that a model trained on one
// machine runs on another wherever the folder is put.
//
//   model.json                 format, classes, dims, fold/seed/epoch, the validation
//                              metrics the checkpoint was selected on, calibration,
//                              the training revision, the text encoder's fingerprint,
//                              and {"files": {path: {"size", "sha256"}}} for every other file
//   config.json                the resolved config (text.model_dir = "text_encoder")
//   labels.json                the class names in output order
//   weights.safetensors        the model's parameters
//   normalisation.safetensors  its buffers: the input standardisation statistics
//                              (early fusion; empty for the other models)
//   text_encoder/              the encoder's config, weights and tokenizer files,
//                              when the model reads text
//   speech_encoders/<stream>/  each speech-encoder stream's encoder (config.json,
//                              preprocessor_config.json, weights), its data.streams
//                              model_dir pointing there
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "merhan/runtime/loaded_model.h"

namespace merhan {

inline constexpr const char* kModelDirectoryFormat = "merhan-model";
inline constexpr int kModelDirectoryVersion = 1;

// Where `predict`, `eval` and `serve` take their model from: a checkpoint (with
// an optional moved text encoder) or an exported model directory.
struct ModelSource {
  std::string checkpoint;
  std::string model_dir;
  std::string text_model_dir;  // checkpoints only
  // Checkpoints only: stream name -> where that speech-encoder stream's encoder is now.
  std::map<std::string, std::string> speech_model_dirs;
};

// Writes `out_dir` from `checkpoint` (all or nothing: temp directory + rename;
// DataError when `out_dir` exists, unless ExistingOutput::kReplace: then an existing model
// directory, and only that (UsageError otherwise), is exchanged for the new one
// once it is complete). A failed write, a full disk included, is a DataError
// naming `out_dir` and leaves it as it was. The encoder is taken from the
// checkpoint's recorded directory, or from `text_model_dir` when it has moved
// (checked file for file either way). Returns the model.json written.
enum class ExistingOutput { kRefuse, kReplace };
// `speech_model_dirs`: where speech-encoder streams' encoders are now, by stream name,
// when they moved (checked file for file as well).
nlohmann::json ExportModelDirectory(const std::string& checkpoint, const std::string& out_dir,
                                    const std::string& text_model_dir = "",
                                    ExistingOutput existing = ExistingOutput::kRefuse,
                                    const std::map<std::string, std::string>& speech_model_dirs = {});

// Checks model.json and every file's size and SHA-256 (DataError naming the
// first file that is missing, changed or not part of the export), then loads
// the model as LoadModelForInference does. `device` "" = the config's.
LoadedModel LoadModelDirectory(const std::string& dir, const std::string& device = "",
                               Calibration calibration = Calibration::kApply);

// UsageError when neither or both of checkpoint and model_dir are set, or
// text_model_dir is set with a model directory.
void CheckModelSource(const ModelSource& source);

// Whether `source` is a published speech classifier: a model directory without
// model.json whose config.json names a `*ForSequenceClassification` architecture.
bool IsPublishedSpeechClassifier(const ModelSource& source);

// LoadModelForInference or LoadModelDirectory, by which of the two is set
// (CheckModelSource first). A directory without model.json whose config.json names a
// `*ForSequenceClassification` architecture loads as a published speech classifier
// (runtime/speech_classifier_directory.h; no calibration).
LoadedModel LoadModelFromSource(const ModelSource& source, const std::string& device = "",
                                Calibration calibration = Calibration::kApply);

// What a loaded model is, for `GET /v1/model`: classes, config, metrics,
// calibration, fold, seed, epoch and where it was loaded from.
nlohmann::json DescribeLoadedModel(const LoadedModel& loaded);

}  // namespace merhan
