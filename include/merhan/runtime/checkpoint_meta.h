// What a checkpoint says about itself (runtime/checkpoint.h stores it as the JSON string
// "merhan_checkpoint"): kind, resolved config, classes, model sizes, fold, seed, epoch,
// metrics, text-encoder fingerprint, calibration. Plain C++ without LibTorch, so that
// the fuzzer (fuzz/checkpoint_meta_fuzzer.cc) reaches the parser directly.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/nn/model_dims.h"

namespace merhan {

inline constexpr const char* kCheckpointFormat = "merhan-checkpoint";
inline constexpr int kCheckpointVersion = 1;

struct CheckpointMeta {
  std::string kind;       // "best" | "last" | "model"
  nlohmann::json config;  // resolved ExperimentConfig JSON
  std::vector<std::string> classes;
  ModelDims dims;
  int fold = -1;
  std::string fold_name;
  int seed = 0;
  int epoch = -1;               // last finished epoch (0-based)
  nlohmann::json metrics;       // validation metrics at save time
  nlohmann::json text_encoder;  // TextEncoderFingerprint, or null when no encoder dir
  // SpeechEncoderRecord (runtime/speech_encoder_record.h), or null when the model
  // reads no speech-encoder stream.
  nlohmann::json speech_encoders;
  nlohmann::json calibration;   // FoldCalibration::ToJson (train/fold_calibration.h), or null
  // Per-speaker standardisation of precomputed streams (data/speaker_standardization.h):
  // an array of SpeakerStatistics::ToJson, one per standardised stream; null when none.
  nlohmann::json stream_normalization;

  nlohmann::json ToJson() const;
  // DataError naming `origin` for anything that is not this format's metadata
  // (a missing key, a wrong type, an integer out of range, a newer version).
  static CheckpointMeta FromJson(const nlohmann::json& j, const std::string& origin);
  // Parses the stored JSON text, then FromJson.
  static CheckpointMeta Parse(const std::string& text, const std::string& origin);
};

}  // namespace merhan
