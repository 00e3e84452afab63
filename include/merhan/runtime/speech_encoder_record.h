// The speech encoders behind a model's speech-encoder streams (data.streams.<name>
// with "format": "speech-encoder"), recorded in its checkpoint as the text encoder is:
// predict, eval, serve and export check that the directory still holds, file for
// file, the encoder the model was trained on, and export bundles it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/precomputed_stream_spec.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

// The declared speech-encoder streams the config's model reads.
std::vector<PrecomputedStreamSpec> ReadSpeechStreams(const ExperimentConfig& config);

// {name: {"dir": absolute model_dir, "files": SpeechEncoderFingerprint}} of those
// streams, or null when the model reads none.
nlohmann::json SpeechEncoderRecord(const ExperimentConfig& config);

// Points each named speech-encoder stream of `config` at its encoder's new place
// (`moved`: stream name -> directory). UsageError naming a stream the config does not
// declare as a speech-encoder stream.
void RedirectSpeechEncoders(const std::map<std::string, std::string>& moved, ExperimentConfig* config);

// Recomputes the fingerprint of each recorded stream's model_dir in `config` (which
// may point elsewhere than the recorded dir: an exported copy) and throws DataError
// naming the stream, the directory, the differing file and `origin` when it differs.
// Does nothing for a null `recorded` (a checkpoint without speech streams).
void CheckSpeechEncoders(const nlohmann::json& recorded, const ExperimentConfig& config, const std::string& origin);

}  // namespace merhan
