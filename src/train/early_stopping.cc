#include "merhan/train/early_stopping.h"

#include <cmath>

#include "merhan/util/error.h"

namespace merhan {

EarlyStopping::EarlyStopping(const std::string& monitor, int patience) : monitor_(monitor), patience_(patience) {
  if (monitor == "val_loss") {
    lower_is_better_ = true;
  } else if (monitor == "val_uar") {
    lower_is_better_ = false;
  } else {
    throw UsageError("train.monitor: expected val_loss or val_uar, got \"" + monitor + "\"");
  }
}

bool EarlyStopping::Update(int epoch, double value) {
  const bool improved = std::isfinite(value) && (best_epoch_ < 0 || (lower_is_better_ ? value < best_ : value > best_));
  if (improved) {
    best_ = value;
    best_epoch_ = epoch;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  return improved;
}

nlohmann::json EarlyStopping::ToJson() const {
  // NaN is not JSON; best_epoch < 0 says "no best yet".
  return {{"monitor", monitor_},
          {"best", best_epoch_ >= 0 ? nlohmann::json(best_) : nlohmann::json(nullptr)},
          {"best_epoch", best_epoch_},
          {"bad_epochs", bad_epochs_}};
}

void EarlyStopping::RestoreFrom(const nlohmann::json& state) {
  if (state.at("monitor").get<std::string>() != monitor_) {
    throw UsageError("train.monitor: the checkpoint was trained with monitor " +
                     state.at("monitor").get<std::string>() + ", the config says " + monitor_);
  }
  best_epoch_ = state.at("best_epoch").get<int>();
  best_ = best_epoch_ >= 0 ? state.at("best").get<double>() : std::numeric_limits<double>::quiet_NaN();
  bad_epochs_ = state.at("bad_epochs").get<int>();
}

}  // namespace merhan
