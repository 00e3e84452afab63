// MFCC extraction: precomputed window, mel filterbank and DCT, applied to whole
// utterances with the frames batched through matrix products.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "merhan/audio/mfcc_options.h"
#include "merhan/audio/power_spectrum.h"

namespace merhan {

class Mfcc {
 public:
  // Validates `options` (UsageError) and precomputes everything Compute needs.
  // `fft` makes the engine that computes the power spectra (kissfft if empty).
  explicit Mfcc(const MfccOptions& options, PowerSpectrumFactory fft = MakeKissFftPowerSpectrum);

  // MFCCs of `n` mono samples at options().sample_rate: row-major
  // (*num_frames x num_coefficients()). A signal too short for one frame (Kaldi
  // snip_edges) or empty gives zero frames. Safe to call concurrently from many
  // threads on one object (every buffer is local to the call).
  std::vector<float> Compute(const float* samples, size_t n, int64_t* num_frames) const;

  // The log-mel energies Compute takes the DCT of, (*num_frames x n_mels), after
  // the log floor and top_db clamp. For inspection and tests.
  std::vector<float> ComputeLogMel(const float* samples, size_t n, int64_t* num_frames) const;

  // Frames Compute returns for `n` samples.
  int64_t NumFrames(size_t n) const;
  int num_coefficients() const { return options_.n_mfcc; }
  const MfccOptions& options() const { return options_; }

  // Precomputed tables, for tests: the window (win_length), the filterbank
  // ((n_fft/2 + 1) x n_mels, row-major) and the DCT with the lifter folded in
  // (n_mels x n_mfcc, row-major).
  const std::vector<float>& window() const { return window_; }
  const std::vector<float>& mel_filterbank() const { return filterbank_; }
  const std::vector<double>& dct() const { return dct_; }

 private:
  // Fills `log_mel` (num_frames x n_mels) and returns the number of frames.
  int64_t LogMel(const float* samples, size_t n, std::vector<float>* log_mel) const;

  MfccOptions options_;
  PowerSpectrumFactory fft_;
  int num_bins_ = 0;   // n_fft / 2 + 1
  int first_bin_ = 0;  // filterbank rows outside [first_bin_, last_bin_) are all zero
  int last_bin_ = 0;
  std::vector<double> window64_;  // the window as computed; window_ is its float copy
  std::vector<float> window_;
  std::vector<float> filterbank_;
  std::vector<double> dct_;
  // The filterbank as bands: filter m has weights band_weights_[offset, offset + size)
  // for bins [first, first + size).
  struct Band {
    int first = 0, size = 0, offset = 0;
  };
  std::vector<Band> bands_;
  std::vector<float> band_weights_;
};

}  // namespace merhan
