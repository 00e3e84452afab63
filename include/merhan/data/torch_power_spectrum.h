// LibTorch's CPU FFT as the MFCC pipeline's power-spectrum engine: one batched
// real FFT per block of frames, on MKL (or pocketfft) with SIMD. About 5x faster
// per frame than kissfft, and the same FFT torchaudio's MFCC runs on.
#pragma once

#include <memory>

#include "merhan/audio/power_spectrum.h"

namespace merhan {

std::unique_ptr<PowerSpectrumEngine> MakeTorchPowerSpectrum(int n_fft, int first, int count);

}  // namespace merhan
