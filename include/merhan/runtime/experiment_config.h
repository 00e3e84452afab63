// The whole configuration of a run: every section, loaded from a JSON file chain
// with --set overrides, validated, and printable as the resolved config.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/audio/audio_options.h"
#include "merhan/audio/mfcc_options.h"
#include "merhan/data/data_options.h"
#include "merhan/nn/model_options.h"
#include "merhan/runtime/train_options.h"
#include "merhan/stats/analysis_options.h"
#include "merhan/text/text_options.h"

namespace merhan {

struct ExperimentConfig {
  RunOptions run;
  DataOptions data;
  AudioOptions audio;
  MfccOptions mfcc;
  TextOptions text;
  ModelOptions model;
  TrainOptions train;
  AnalysisOptions analysis;

  // Registers every section under its prefix (run., data., audio., mfcc., ..., analysis.).
  void Register(ConfigRegistry* r);
  // Throws UsageError naming the first offending key.
  void Validate() const;
  nlohmann::json ToJson() const;
  std::string ToString() const { return ToJson().dump(2); }

  // Loads `path` (following "extends"), applies `overrides` ("key=value") in
  // order, resolves relative paths against the config file, then validates.
  static ExperimentConfig Load(const std::string& path, const std::vector<std::string>& overrides);
  // Rebuilds a config from a resolved JSON (checkpoints, run directories).
  static ExperimentConfig FromJson(const nlohmann::json& resolved, const std::string& origin);
};

}  // namespace merhan
