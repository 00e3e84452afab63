#include "merhan/data/torch_power_spectrum.h"

#include <torch/torch.h>

#include <complex>

namespace merhan {
namespace {

class TorchPowerSpectrum : public PowerSpectrumEngine {
 public:
  TorchPowerSpectrum(int n_fft, int first, int count) : n_fft_(n_fft), first_(first), count_(count) {}

  void Compute(const float* frames, int64_t rows, float* power) override {
    Run<float>(frames, rows, power, torch::kFloat32, torch::kComplexFloat);
  }
  void Compute(const double* frames, int64_t rows, float* power) override {
    Run<double>(frames, rows, power, torch::kFloat64, torch::kComplexDouble);
  }

 private:
  template <typename Real>
  void Run(const Real* frames, int64_t rows, float* power, torch::Dtype real, torch::Dtype complex) {
    c10::InferenceMode inference;
    const at::Tensor in = torch::from_blob(const_cast<Real*>(frames), {rows, n_fft_}, real);
    // The spectrum buffer is reused across blocks (one allocation per utterance).
    if (!spectrum_.defined() || spectrum_.size(0) < rows || spectrum_.scalar_type() != complex) {
      spectrum_ = torch::empty({rows, n_fft_ / 2 + 1}, complex);
    }
    at::Tensor out = spectrum_.narrow(0, 0, rows);
    at::fft_rfft_out(out, in);
    const auto* s = reinterpret_cast<const std::complex<Real>*>(out.data_ptr());
    const int64_t bins = n_fft_ / 2 + 1;
    for (int64_t r = 0; r < rows; ++r) {
      const std::complex<Real>* x = s + r * bins + first_;
      float* p = power + r * count_;
      for (int k = 0; k < count_; ++k) p[k] = static_cast<float>(x[k].real() * x[k].real() + x[k].imag() * x[k].imag());
    }
  }

  int64_t n_fft_;
  int first_, count_;
  at::Tensor spectrum_;
};

}  // namespace

std::unique_ptr<PowerSpectrumEngine> MakeTorchPowerSpectrum(int n_fft, int first, int count) {
  return std::make_unique<TorchPowerSpectrum>(n_fft, first, count);
}

}  // namespace merhan
