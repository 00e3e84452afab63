#include "merhan/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace merhan {

LearningRateSchedule::LearningRateSchedule(const TrainOptions& o)
    : kind_(o.schedule),
      epochs_(o.epochs),
      lower_is_better_(o.monitor != "val_uar"),
      factor_(o.plateau_factor),
      patience_(o.plateau_patience),
      min_scale_(o.min_lr_scale) {}

double LearningRateSchedule::Scale(int epoch) const {
  if (kind_ == "cosine") {
    const double pi = std::acos(-1.0);
    const double t = std::min(1.0, static_cast<double>(epoch) / std::max(1, epochs_));
    return min_scale_ + (1.0 - min_scale_) * 0.5 * (1.0 + std::cos(pi * t));
  }
  if (kind_ == "plateau") return scale_;
  return 1.0;
}

void LearningRateSchedule::EndEpoch(double value) {
  if (kind_ != "plateau" || !std::isfinite(value)) return;
  if (!has_best_ || (lower_is_better_ ? value < best_ : value > best_)) {
    best_ = value;
    has_best_ = true;
    bad_epochs_ = 0;
    return;
  }
  if (++bad_epochs_ > patience_) {
    scale_ = std::max(min_scale_, scale_ * factor_);
    bad_epochs_ = 0;
  }
}

nlohmann::json LearningRateSchedule::ToJson() const {
  return {{"kind", kind_},
          {"scale", scale_},
          {"best", has_best_ ? nlohmann::json(best_) : nlohmann::json(nullptr)},
          {"bad_epochs", bad_epochs_}};
}

void LearningRateSchedule::RestoreFrom(const nlohmann::json& s) {
  scale_ = s.at("scale").get<double>();
  has_best_ = !s.at("best").is_null();
  if (has_best_) best_ = s.at("best").get<double>();
  bad_epochs_ = s.at("bad_epochs").get<int>();
}

}  // namespace merhan
