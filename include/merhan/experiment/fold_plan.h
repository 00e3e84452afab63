// What a run trains: the corpus read, its folds made and, per (fold, seed), the
// sources, class counts and input statistics the cross-validation driver needs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/input_statistics.h"
#include "merhan/runtime/batch_source.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan {

// Everything the cross-validation driver needs for one (fold, seed).
struct FoldData {
  std::string name;                         // e.g. "test Session1, val 2F"
  std::shared_ptr<BatchSource> train;       // shuffled by (seed, epoch)
  std::shared_ptr<BatchSource> val;         // model selection and early stopping only
  std::shared_ptr<BatchSource> test;        // touched once, after the best weights are reloaded
  std::vector<int64_t> train_class_counts;  // per class, for train.class_weights=balanced
  // Called only when the model NeedsInputStatistics(): statistics fitted on the
  // training split of this fold, never on val or test.
  std::function<InputStatistics()> input_statistics;
  // The fold's per-speaker standardisation of precomputed streams, as the checkpoint
  // records it (CheckpointMeta::stream_normalization); null when none.
  nlohmann::json stream_normalization;
};

using FoldProvider = std::function<FoldData(int fold, int seed)>;

// What the data layer gives the driver for a whole run.
struct CrossValidationPlan {
  int num_folds = 0;
  std::vector<std::string> fold_names;  // one per fold, e.g. "Session1"
  std::vector<std::string> classes;     // class names, label order
  ModelDims dims;
  FoldProvider provider;
  // Builds a fresh model; the driver seeds torch before calling it. Empty =
  // BuildModel(config.model, dims).
  std::function<EmotionModel(const ModelDims&)> make_model;
  // Called once the run directory exists (not on resume): writes what the data
  // layer knows about the run, e.g. the corpus counts and the per-fold table.
  std::function<void(const std::string& run_dir)> describe_run;
};

// Reads the corpus of `config.data`, builds the protocol's folds (checked
// speaker-disjoint before any feature is computed) and returns the plan the
// cross-validation driver runs.
CrossValidationPlan MakeCrossValidationPlan(const ExperimentConfig& config);

}  // namespace merhan
