// A grouped "same" convolution over time computed by FFT (overlap-save), for the long
// kernel of the positional convolution (128 taps, 16 groups in wav2vec 2.0, HuBERT and
// WavLM). For x of (B, C, T) it gives
//   y[c][t] = bias[c] + sum_k sum_i W[c][i][k] x[g(c) * C / groups + i][t + k - kernel / 2]
// with x zero outside [0, T): what conv1d with padding kernel / 2 gives, without the
// extra frame an even kernel makes. Why: torch's grouped conv1d (oneDNN's im2col + GEMM)
// spends 9.4 MFLOP per frame at the base shapes; in the frequency domain the same
// product is one complex 48 x 48 matrix per frequency and group, 4-12x less time at
// one thread (docs/benchmarks.md, "Speech-encoder extraction"). The price is the
// weights' spectra, kept for the fixed block length: (C / groups) * C * (fft_length / 2
// + 1) complex floats, 36 MiB at the base shapes and 68 MiB at the large ones.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <mutex>

namespace merhan {

class FftGroupedConv {
 public:
  // weight: (C, C / groups, kernel) float32 on the CPU, conv1d's layout.
  FftGroupedConv(const torch::Tensor& weight, int64_t groups);

  // x: (B, C, T) contiguous-able float32; bias: (C) or undefined. Returns (B, C, T).
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& bias) const;

  // The FFT length of one block: the smallest power of two of at least 2 * kernel, so
  // that each block yields at least kernel + 1 outputs.
  int64_t fft_length() const { return fft_length_; }

 private:
  torch::Tensor InputSpectra(const torch::Tensor& x, int64_t blocks) const;
  torch::Tensor MultiplySpectra(const torch::Tensor& x_spectra) const;

  int64_t channels_, groups_, kernel_, fft_length_;
  // (bins, groups, 2, C / groups in, C / groups out): real then imaginary parts of the
  // spectra of the time-reversed taps, laid out for MultiplySpectra's inner loop.
  torch::Tensor spectra_;
};

// The FftGroupedConv of a conv1d weight, rebuilt only when the weight changes (another
// tensor, or the same one written in place): its spectra cost a full FFT of the weights.
// Thread-safe: serve's workers and the extraction workers share one encoder.
class FftGroupedConvCache {
 public:
  std::shared_ptr<const FftGroupedConv> For(const torch::Tensor& weight, int64_t groups);

 private:
  std::mutex mutex_;
  std::shared_ptr<const FftGroupedConv> conv_;
  const void* data_ = nullptr;
  int64_t version_ = -1;
};

}  // namespace merhan
