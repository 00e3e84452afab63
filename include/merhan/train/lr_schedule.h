// Learning-rate schedules as a factor on every group's base learning rate, so
// the text encoder keeps its own rate: none, cosine (to 0 over train.epochs,
// stepped per epoch like CosineAnnealingLR), plateau (multiply by
// train.plateau_factor after train.plateau_patience epochs without improvement
// of the monitored validation metric, like ReduceLROnPlateau).
// Hand-written (a few lines) because LibTorch's C++ schedulers lack cosine and
// do not serialise their state, which --resume needs.
#pragma once

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "merhan/runtime/train_options.h"

namespace merhan {

class LearningRateSchedule {
 public:
  explicit LearningRateSchedule(const TrainOptions& options);
  // The factor to use during `epoch` (0-based).
  double Scale(int epoch) const;
  // Feeds the epoch's monitored validation value (plateau only).
  void EndEpoch(double monitored_value);

  nlohmann::json ToJson() const;
  void RestoreFrom(const nlohmann::json& state);

 private:
  std::string kind_;
  int epochs_;
  bool lower_is_better_;
  double factor_;
  int patience_;
  double min_scale_;
  // plateau state
  double scale_ = 1.0;
  double best_ = std::numeric_limits<double>::quiet_NaN();
  bool has_best_ = false;
  int bad_epochs_ = 0;
};

}  // namespace merhan
