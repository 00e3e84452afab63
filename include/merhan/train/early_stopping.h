// Early stopping and model selection on one validation metric.
#pragma once

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

namespace merhan {

class EarlyStopping {
 public:
  // monitor: "val_loss" (lower is better) or "val_uar" (higher is better).
  // patience: epochs without improvement before stopping; 0 never stops.
  EarlyStopping(const std::string& monitor, int patience);

  // Records the epoch's value; true when it strictly improves on the best so far
  // (the first finite value always does). A non-finite value never improves.
  bool Update(int epoch, double value);
  bool ShouldStop() const { return patience_ > 0 && bad_epochs_ >= patience_; }

  const std::string& monitor() const { return monitor_; }
  bool lower_is_better() const { return lower_is_better_; }
  double best() const { return best_; }
  int best_epoch() const { return best_epoch_; }
  int bad_epochs() const { return bad_epochs_; }

  nlohmann::json ToJson() const;
  void RestoreFrom(const nlohmann::json& state);

 private:
  std::string monitor_;
  bool lower_is_better_ = true;
  int patience_ = 0;
  double best_ = std::numeric_limits<double>::quiet_NaN();
  int best_epoch_ = -1;
  int bad_epochs_ = 0;
};

}  // namespace merhan
