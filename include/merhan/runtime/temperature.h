// Applying a checkpoint's calibration temperature at inference
// (train/fold_calibration.h fits and stores it; docs/statistics.md).
#pragma once

#include <torch/torch.h>

#include "merhan/runtime/checkpoint_meta.h"

namespace merhan {

// softmax(log p / T) row by row: (N, C) float32 on the CPU. Never changes
// the arg-max of a row.
torch::Tensor ApplyTemperature(const torch::Tensor& probabilities, double temperature);

// The stored temperature, or 1 when the checkpoint has none.
double CheckpointTemperature(const CheckpointMeta& meta);

}  // namespace merhan
