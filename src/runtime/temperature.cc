#include "merhan/runtime/temperature.h"

#include <limits>

#include "merhan/util/error.h"

namespace merhan {

torch::Tensor ApplyTemperature(const torch::Tensor& probabilities, double temperature) {
  if (!(temperature > 0)) throw InternalError("ApplyTemperature: temperature must be > 0");
  const auto p = probabilities.to(torch::kCPU, torch::kFloat64);
  const auto logits = p.clamp_min(std::numeric_limits<float>::min()).log();
  return torch::softmax(logits / temperature, 1).to(torch::kFloat32);
}

double CheckpointTemperature(const CheckpointMeta& meta) {
  if (!meta.calibration.is_object() || !meta.calibration.contains("temperature")) return 1.0;
  const double t = meta.calibration["temperature"].get<double>();
  return t > 0 ? t : 1.0;
}

}  // namespace merhan
