#include "merhan/audio/power_spectrum.h"

#include <kiss_fftr.h>

#include <complex>
#include <unsupported/Eigen/FFT>

#include <string>
#include <vector>

#include "merhan/util/error.h"

namespace merhan {
namespace {

struct KissFftrDeleter {
  void operator()(kiss_fftr_state* s) const { kiss_fft_free(s); }
};

class KissFftPowerSpectrum : public PowerSpectrumEngine {
 public:
  KissFftPowerSpectrum(int n_fft, int first, int count)
      : n_fft_(n_fft),
        first_(first),
        count_(count),
        state_(kiss_fftr_alloc(n_fft, 0, nullptr, nullptr)),
        out_(n_fft / 2 + 1),
        out64_(n_fft / 2 + 1) {
    if (!state_) throw InternalError("kissfft: cannot allocate an FFT of size " + std::to_string(n_fft));
    fft64_.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  }
  void Compute(const float* frames, int64_t rows, float* power) override {
    for (int64_t r = 0; r < rows; ++r) {
      kiss_fftr(state_.get(), frames + r * n_fft_, out_.data());
      const kiss_fft_cpx* s = out_.data() + first_;
      float* p = power + r * count_;
      for (int k = 0; k < count_; ++k) p[k] = s[k].r * s[k].r + s[k].i * s[k].i;
    }
  }
  void Compute(const double* frames, int64_t rows, float* power) override {
    for (int64_t r = 0; r < rows; ++r) {
      fft64_.fwd(out64_.data(), frames + r * n_fft_, n_fft_);
      const std::complex<double>* s = out64_.data() + first_;
      float* p = power + r * count_;
      for (int k = 0; k < count_; ++k) p[k] = static_cast<float>(std::norm(s[k]));
    }
  }

 private:
  int n_fft_, first_, count_;
  std::unique_ptr<kiss_fftr_state, KissFftrDeleter> state_;
  std::vector<kiss_fft_cpx> out_;
  Eigen::FFT<double> fft64_;
  std::vector<std::complex<double>> out64_;
};

}  // namespace

std::unique_ptr<PowerSpectrumEngine> MakeKissFftPowerSpectrum(int n_fft, int first, int count) {
  return std::make_unique<KissFftPowerSpectrum>(n_fft, first, count);
}

}  // namespace merhan
