// Power spectra of blocks of real frames, the FFT stage of the MFCC pipeline.
// The audio library's own engine is kissfft; LibTorch's CPU FFT (MKL or pocketfft,
// vectorised, ~5x faster) is plugged in from data/torch_power_spectrum.h, which
// keeps this library free of LibTorch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace merhan {

class PowerSpectrumEngine {
 public:
  virtual ~PowerSpectrumEngine() = default;
  // `frames` holds `rows` frames of n_fft samples (row-major); writes |X_k|^2 for
  // k in [first, first + count) of each frame to `power` (rows x count, row-major).
  // The FFT runs in the precision of the frames (MfccOptions::fft_precision).
  virtual void Compute(const float* frames, int64_t rows, float* power) = 0;
  virtual void Compute(const double* frames, int64_t rows, float* power) = 0;
};

// Makes an engine for (n_fft, first, count). Called once per Mfcc::Compute, on
// the calling thread, so engines may keep scratch space.
using PowerSpectrumFactory = std::function<std::unique_ptr<PowerSpectrumEngine>(int n_fft, int first, int count)>;

// Debian's kissfft-float for float frames and Eigen's FFT module (its templated
// kissfft) for double frames, one frame at a time.
std::unique_ptr<PowerSpectrumEngine> MakeKissFftPowerSpectrum(int n_fft, int first, int count);

}  // namespace merhan
