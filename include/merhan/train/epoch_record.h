// One epoch of training as metrics.jsonl records it. Plain C++: the results
// layer's reports read these without LibTorch.
#pragma once

#include <nlohmann/json.hpp>

namespace merhan {

// Where an epoch's wall time went, in seconds. On CUDA the step parts are not
// measured (the device runs asynchronously) and stay 0.
struct StepTimes {
  double data = 0;     // waiting for the next batch and copying it to the device
  double forward = 0;  // forward pass and loss
  double backward = 0;
  double optimizer = 0;  // gradient all-reduce, clipping, optimiser step
  double train = 0;      // the whole training pass
  double validation = 0;
  nlohmann::json ToJson() const;
  static StepTimes FromJson(const nlohmann::json& j);
};

// One line of metrics.jsonl.
struct EpochRecord {
  int epoch = 0;
  double train_loss = 0;
  double val_loss = 0;
  double val_war = 0, val_uar = 0, val_macro_f1 = 0, val_weighted_f1 = 0;
  double lr = 0;  // main group learning rate during the epoch
  bool improved = false;
  // How the epoch ran; wall times are not reproducible, unlike everything above.
  double seconds = 0;        // the whole epoch: training, validation, checkpoints
  int threads = 0;           // intra-op threads inside the training steps (per rank)
  int world_size = 1;        // data-parallel processes
  double audio_padding = 0;  // padded share of the training batches' audio frames
  double text_padding = 0;   // ... and of their text positions
  StepTimes times;

  nlohmann::json ToJson() const;
  static EpochRecord FromJson(const nlohmann::json& j);
};

}  // namespace merhan
