// Cepstral mean and variance normalisation, per utterance or with global
// statistics fitted on a training split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merhan {

// Normalises each of the `dims` columns of a row-major (frames x dims) matrix in
// place to zero mean and, if `variance`, unit variance (population std; a column
// whose std is below 1e-8 is only centred). Zero frames: nothing happens.
void ApplyUtteranceCmvn(float* features, int64_t frames, int dims, bool variance = true);

// Per-dimension mean and std over every frame of a training split.
class GlobalCmvn {
 public:
  GlobalCmvn() = default;

  // Accumulates frames (row-major frames x dims, in double). The first call fixes dims;
  // a different dims later is an InternalError.
  void Accumulate(const float* features, int64_t frames, int dims);
  // Fits on whole matrices at once: Accumulate each, then Finalize.
  void Fit(const std::vector<std::vector<float>>& utterances, int dims);
  // Turns the sums into mean/std. UsageError if nothing was accumulated.
  void Finalize();

  // (x - mean) / std per column (std floored at 1e-8; `variance` false: only centre).
  void Apply(float* features, int64_t frames, int dims, bool variance = true) const;

  // JSON {"dims", "frames", "mean": [...], "std": [...]}, written atomically.
  void Save(const std::string& path) const;
  // DataError naming the file if missing, malformed or inconsistent.
  static GlobalCmvn Load(const std::string& path);

  bool fitted() const { return !mean_.empty(); }
  int dims() const { return dims_; }
  int64_t frames() const { return frames_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& stddev() const { return std_; }

 private:
  int dims_ = 0;
  int64_t frames_ = 0;
  std::vector<double> sum_, sum_sq_;
  std::vector<double> mean_, std_;
};

}  // namespace merhan
