#include "merhan/audio/cmvn.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {
constexpr double kMinStd = 1e-8;
}

void ApplyUtteranceCmvn(float* x, int64_t frames, int dims, bool variance) {
  if (frames <= 0 || dims <= 0) return;
  for (int d = 0; d < dims; ++d) {
    double sum = 0.0, sum_sq = 0.0;
    for (int64_t t = 0; t < frames; ++t) {
      const double v = x[t * dims + d];
      sum += v;
      sum_sq += v * v;
    }
    const double mean = sum / frames;
    const double var = std::max(0.0, sum_sq / frames - mean * mean);
    const double std = std::sqrt(var);
    const double scale = variance && std > kMinStd ? 1.0 / std : 1.0;
    for (int64_t t = 0; t < frames; ++t) {
      x[t * dims + d] = static_cast<float>((x[t * dims + d] - mean) * scale);
    }
  }
}

void GlobalCmvn::Accumulate(const float* x, int64_t frames, int dims) {
  if (dims <= 0) throw InternalError("GlobalCmvn: dims must be > 0");
  if (dims_ == 0) {
    dims_ = dims;
    sum_.assign(dims, 0.0);
    sum_sq_.assign(dims, 0.0);
  } else if (dims != dims_) {
    throw InternalError("GlobalCmvn: got " + std::to_string(dims) + " dims after " + std::to_string(dims_));
  }
  for (int64_t t = 0; t < frames; ++t) {
    for (int d = 0; d < dims; ++d) {
      const double v = x[t * dims + d];
      sum_[d] += v;
      sum_sq_[d] += v * v;
    }
  }
  frames_ += std::max<int64_t>(frames, 0);
}

void GlobalCmvn::Fit(const std::vector<std::vector<float>>& utterances, int dims) {
  for (const auto& u : utterances) {
    if (u.size() % dims != 0) throw InternalError("GlobalCmvn::Fit: matrix size not a multiple of dims");
    Accumulate(u.data(), static_cast<int64_t>(u.size() / dims), dims);
  }
  Finalize();
}

void GlobalCmvn::Finalize() {
  if (frames_ == 0) throw UsageError("GlobalCmvn: no frames to fit on (empty training split?)");
  mean_.assign(dims_, 0.0);
  std_.assign(dims_, 0.0);
  for (int d = 0; d < dims_; ++d) {
    mean_[d] = sum_[d] / frames_;
    std_[d] = std::sqrt(std::max(0.0, sum_sq_[d] / frames_ - mean_[d] * mean_[d]));
  }
}

void GlobalCmvn::Apply(float* x, int64_t frames, int dims, bool variance) const {
  if (!fitted()) throw InternalError("GlobalCmvn::Apply before Fit/Load");
  if (dims != dims_) {
    throw UsageError("global CMVN statistics have " + std::to_string(dims_) + " dims, features have " +
                     std::to_string(dims));
  }
  for (int64_t t = 0; t < frames; ++t) {
    for (int d = 0; d < dims; ++d) {
      const double scale = variance && std_[d] > kMinStd ? 1.0 / std_[d] : 1.0;
      x[t * dims + d] = static_cast<float>((x[t * dims + d] - mean_[d]) * scale);
    }
  }
}

void GlobalCmvn::Save(const std::string& path) const {
  if (!fitted()) throw InternalError("GlobalCmvn::Save before Fit");
  nlohmann::json j;
  j["dims"] = dims_;
  j["frames"] = frames_;
  j["mean"] = mean_;
  j["std"] = std_;
  WriteStringAtomically(path, j.dump(1) + "\n");
}

GlobalCmvn GlobalCmvn::Load(const std::string& path) {
  nlohmann::json j;
  try {
    j = ParseJson(ReadFileToString(path), path);
  } catch (const UsageError& e) {
    throw DataError(e.what());
  }
  GlobalCmvn c;
  try {
    c.dims_ = j.at("dims").get<int>();
    c.frames_ = j.at("frames").get<int64_t>();
    c.mean_ = j.at("mean").get<std::vector<double>>();
    c.std_ = j.at("std").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": not a CMVN statistics file (" + e.what() + ")");
  }
  if (c.dims_ <= 0 || c.mean_.size() != static_cast<size_t>(c.dims_) || c.std_.size() != static_cast<size_t>(c.dims_)) {
    throw DataError(path + ": CMVN statistics: \"mean\" and \"std\" must have \"dims\" entries");
  }
  for (int d = 0; d < c.dims_; ++d) {
    if (!std::isfinite(c.mean_[d]) || !std::isfinite(c.std_[d]) || c.std_[d] < 0) {
      throw DataError(path + ": CMVN statistics: non-finite or negative value at dim " + std::to_string(d));
    }
  }
  return c;
}

}  // namespace merhan
