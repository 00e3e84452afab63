// MFCC pipeline. The FFT is a PowerSpectrumEngine (kissfft unless the caller plugs
// in another); the mel stage is a banded product and the DCT an Eigen matrix
// product, over blocks of frames. Written by hand, because
// no library we use provides them: framing with torch/librosa/Kaldi edge rules,
// the window functions, the mel filterbanks (transcribed from torchaudio's
// melscale_fbanks and Kaldi's get_mel_banks) and the DCT-II/lifter matrix.
#include "merhan/audio/mfcc.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <random>

#include "merhan/util/error.h"

namespace merhan {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kPi = 3.14159265358979323846;
// Frames are processed in blocks: the block's power spectra stay in cache for the
// filterbank product, and memory does not grow with the utterance's length.
constexpr int64_t kBlockFrames = 128;

double HzToMel(double hz, const std::string& scale) {
  if (scale == "htk") return 2595.0 * std::log10(1.0 + hz / 700.0);
  // Slaney (Auditory Toolbox): linear below 1 kHz, logarithmic above.
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = std::log(6.4) / 27.0;
  return hz < min_log_hz ? hz / f_sp : min_log_mel + std::log(hz / min_log_hz) / logstep;
}

double MelToHz(double mel, const std::string& scale) {
  if (scale == "htk") return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = std::log(6.4) / 27.0;
  return mel < min_log_mel ? f_sp * mel : min_log_hz * std::exp(logstep * (mel - min_log_mel));
}

std::vector<double> MakeWindow(const MfccOptions& o) {
  const int n = o.win_length;
  const double denom = o.window_periodic ? n : n - 1;
  std::vector<double> w(n);
  for (int i = 0; i < n; ++i) {
    const double c = std::cos(2.0 * kPi * i / denom);
    double v = 1.0;
    if (o.window == "hann")
      v = 0.5 - 0.5 * c;
    else if (o.window == "hamming")
      v = 0.54 - 0.46 * c;
    else if (o.window == "povey")
      v = std::pow(0.5 - 0.5 * c, 0.85);
    w[i] = v;
  }
  return w;
}

// (n_fft/2 + 1) x n_mels, row-major.
std::vector<float> MakeFilterbank(const MfccOptions& o) {
  const int bins = o.n_fft / 2 + 1;
  const int mels = o.n_mels;
  const double nyquist = o.sample_rate / 2.0;
  const double low = o.f_min;
  const double high = o.f_max > 0 ? o.f_max : nyquist + o.f_max;
  const double mel_low = HzToMel(low, o.mel_scale), mel_high = HzToMel(high, o.mel_scale);
  // n_mels + 2 equally spaced points on the mel scale: edges and centres.
  std::vector<double> mel_pts(mels + 2), hz_pts(mels + 2);
  for (int i = 0; i < mels + 2; ++i) {
    mel_pts[i] = mel_low + (mel_high - mel_low) * i / (mels + 1);
    hz_pts[i] = MelToHz(mel_pts[i], o.mel_scale);
  }
  std::vector<float> fb(static_cast<size_t>(bins) * mels, 0.0f);
  for (int k = 0; k < bins; ++k) {
    // Bin k's frequency, k * sr / n_fft (librosa's fft_frequencies; torchaudio's
    // linspace(0, sr // 2, bins) is the same for even rates).
    const double hz = static_cast<double>(k) * o.sample_rate / o.n_fft;
    if (o.mel_triangles == "mel" && k == bins - 1) continue;  // Kaldi drops the Nyquist bin
    for (int m = 0; m < mels; ++m) {
      double up, down;
      if (o.mel_triangles == "hz") {  // torchaudio melscale_fbanks / librosa filters.mel
        up = (hz - hz_pts[m]) / (hz_pts[m + 1] - hz_pts[m]);
        down = (hz_pts[m + 2] - hz) / (hz_pts[m + 2] - hz_pts[m + 1]);
      } else {  // Kaldi get_mel_banks: linear in mel
        const double mel = HzToMel(hz, o.mel_scale);
        up = (mel - mel_pts[m]) / (mel_pts[m + 1] - mel_pts[m]);
        down = (mel_pts[m + 2] - mel) / (mel_pts[m + 2] - mel_pts[m + 1]);
      }
      double w = std::max(0.0, std::min(up, down));
      if (o.mel_norm == "slaney") w *= 2.0 / (hz_pts[m + 2] - hz_pts[m]);
      fb[static_cast<size_t>(k) * mels + m] = static_cast<float>(w);
    }
  }
  return fb;
}

// Orthonormal DCT-II restricted to the first n_mfcc outputs, with the lifter
// folded into its columns: (n_mels x n_mfcc), row-major.
std::vector<double> MakeDct(const MfccOptions& o) {
  const int mels = o.n_mels, ceps = o.n_mfcc;
  std::vector<double> d(static_cast<size_t>(mels) * ceps);
  for (int k = 0; k < ceps; ++k) {
    const double scale = k == 0 ? std::sqrt(1.0 / mels) : std::sqrt(2.0 / mels);
    const double lift = o.lifter > 0 ? 1.0 + 0.5 * o.lifter * std::sin(kPi * k / o.lifter) : 1.0;
    for (int m = 0; m < mels; ++m) {
      d[static_cast<size_t>(m) * ceps + k] = std::cos(kPi / mels * (m + 0.5) * k) * scale * lift;
    }
  }
  return d;
}

// Index of the sample that stands at position i (possibly outside [0, n)).
inline int64_t Reflect(int64_t i, int64_t n) {  // numpy/torch "reflect": edge not repeated
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}
inline int64_t Symmetric(int64_t i, int64_t n) {  // Kaldi: edge repeated
  const int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

}  // namespace

Mfcc::Mfcc(const MfccOptions& options, PowerSpectrumFactory fft) : options_(options), fft_(std::move(fft)) {
  if (!fft_) fft_ = MakeKissFftPowerSpectrum;
  options_.Validate();
  num_bins_ = options_.n_fft / 2 + 1;
  window64_ = MakeWindow(options_);
  window_.assign(window64_.begin(), window64_.end());
  filterbank_ = MakeFilterbank(options_);
  dct_ = MakeDct(options_);
  // Bins no filter touches need no multiply-adds.
  first_bin_ = num_bins_;
  last_bin_ = 0;
  for (int k = 0; k < num_bins_; ++k) {
    for (int m = 0; m < options_.n_mels; ++m) {
      if (filterbank_[static_cast<size_t>(k) * options_.n_mels + m] != 0.0f) {
        first_bin_ = std::min(first_bin_, k);
        last_bin_ = std::max(last_bin_, k + 1);
      }
    }
  }
  bands_.resize(options_.n_mels);
  for (int m = 0; m < options_.n_mels; ++m) {
    Band& band = bands_[m];
    band.first = num_bins_;
    int last = 0;
    for (int k = 0; k < num_bins_; ++k) {
      if (filterbank_[static_cast<size_t>(k) * options_.n_mels + m] != 0.0f) {
        band.first = std::min(band.first, k);
        last = k + 1;
      }
    }
    if (last <= band.first) band.first = last = 0;  // an empty filter (torchaudio warns; we give 0)
    band.size = last - band.first;
    band.offset = static_cast<int>(band_weights_.size());
    for (int k = band.first; k < last; ++k) {
      band_weights_.push_back(filterbank_[static_cast<size_t>(k) * options_.n_mels + m]);
    }
  }
  if (last_bin_ <= first_bin_) {
    throw UsageError("mfcc: every mel filter is empty (n_fft " + std::to_string(options_.n_fft) +
                     " too small for f_min/f_max/n_mels?)");
  }
}

int64_t Mfcc::NumFrames(size_t n) const {
  const auto len = static_cast<int64_t>(n);
  if (len == 0) return 0;
  const int64_t hop = options_.hop_length, win = options_.win_length;
  if (options_.center) return 1 + len / hop;
  if (options_.snip_edges) return len < win ? 0 : 1 + (len - win) / hop;
  return (len + hop / 2) / hop;
}

namespace {

// Cuts frames [t0, t0 + rows) of a signal into a block (rows x n_fft, row-major,
// zeros after the window) with dither, DC removal, pre-emphasis and the window
// applied. One per Compute call: it owns the dither generator.
template <typename Real>
class FrameCutter {
 public:
  FrameCutter(const MfccOptions& o, const std::vector<double>& window)
      : o_(o), window_(window.begin(), window.end()), rng_(static_cast<uint64_t>(o.dither_seed)) {
    // Where frame t's first window sample sits in the signal. Centred frames put
    // the window in the middle of an n_fft frame centred on t*hop (torch.stft); a
    // window placed anywhere in the zero-padded FFT buffer has the same power
    // spectrum, so here it always goes at the start of the buffer.
    if (o.center)
      offset_ = -(o.n_fft / 2) + (o.n_fft - o.win_length) / 2;
    else if (o.snip_edges)
      offset_ = 0;
    else
      offset_ = -(o.win_length / 2 - o.hop_length / 2);  // Kaldi without snip_edges
  }

  void Cut(const float* samples, int64_t len, int64_t t0, int64_t rows, Real* frames) {
    const int win = o_.win_length;
    const Real dither = static_cast<Real>(o_.dither);
    const Real preemph = static_cast<Real>(o_.preemphasis);
    const bool reflect = o_.pad_mode == "reflect";
    for (int64_t r = 0; r < rows; ++r) {
      Real* f = frames + r * o_.n_fft;
      const int64_t start = (t0 + r) * o_.hop_length + offset_;
      if (start >= 0 && start + win <= len) {
        std::copy(samples + start, samples + start + win, f);
      } else {
        for (int i = 0; i < win; ++i) {
          const int64_t s = start + i;
          if (s >= 0 && s < len)
            f[i] = samples[s];
          else if (!o_.center)
            f[i] = samples[Symmetric(s, len)];
          else
            f[i] = reflect ? samples[Reflect(s, len)] : Real(0);
        }
      }
      std::fill(f + win, f + o_.n_fft, Real(0));
      if (dither > 0) {
        for (int i = 0; i < win; ++i) f[i] += dither * static_cast<Real>(gauss_(rng_));
      }
      if (o_.remove_dc) {
        Real sum = 0;
        for (int i = 0; i < win; ++i) sum += f[i];
        const Real mean = sum / win;
        for (int i = 0; i < win; ++i) f[i] -= mean;
      }
      if (preemph != 0) {
        for (int i = win - 1; i > 0; --i) f[i] -= preemph * f[i - 1];
        f[0] -= preemph * f[0];
      }
      for (int i = 0; i < win; ++i) f[i] *= window_[i];
    }
  }

 private:
  const MfccOptions& o_;
  std::vector<Real> window_;
  int64_t offset_ = 0;
  std::mt19937_64 rng_;
  std::normal_distribution<double> gauss_{0.0, 1.0};
};

// A FrameCutter and its block buffer; constructed empty when the precision is unused.
template <typename Real>
class BlockSpectra {
 public:
  BlockSpectra(const MfccOptions& o, const std::vector<double>& window, int64_t block)
      : cutter_(o, window), n_fft_(o.n_fft), block_(block) {}
  void Run(PowerSpectrumEngine* engine, const float* samples, int64_t len, int64_t t0, int64_t rows, float* power) {
    if (frames_.empty()) frames_.resize(static_cast<size_t>(block_) * n_fft_);
    cutter_.Cut(samples, len, t0, rows, frames_.data());
    engine->Compute(frames_.data(), rows, power);
  }

 private:
  FrameCutter<Real> cutter_;
  int64_t n_fft_, block_;
  std::vector<Real> frames_;
};

// |X|^2 -> |X|^power in place.
void ApplyPower(double power, float* p, size_t count) {
  if (power == 1.0) {
    for (size_t k = 0; k < count; ++k) p[k] = std::sqrt(p[k]);
  } else if (power != 2.0) {
    const float half = static_cast<float>(power / 2.0);
    for (size_t k = 0; k < count; ++k) p[k] = std::pow(p[k], half);
  }
}

}  // namespace

int64_t Mfcc::LogMel(const float* samples, size_t n, std::vector<float>* log_mel) const {
  const MfccOptions& o = options_;
  const int64_t frames = NumFrames(n);
  const int mels = o.n_mels;
  log_mel->assign(static_cast<size_t>(frames) * mels, 0.0f);
  if (frames == 0) return 0;

  const int used_bins = last_bin_ - first_bin_;
  const int64_t block = std::min<int64_t>(kBlockFrames, frames);
  std::vector<float> power(static_cast<size_t>(block) * used_bins);
  // Frames are cut in the FFT's precision, a block at a time, into `power`.
  std::unique_ptr<PowerSpectrumEngine> engine = fft_(o.n_fft, first_bin_, used_bins);
  BlockSpectra<float> float_spectra(o, window64_, block);
  BlockSpectra<double> double_spectra(o, window64_, block);
  const bool in_double = o.fft_precision == "double";
  for (int64_t t0 = 0; t0 < frames; t0 += block) {
    const int64_t rows = std::min(block, frames - t0);
    if (in_double)
      double_spectra.Run(engine.get(), samples, static_cast<int64_t>(n), t0, rows, power.data());
    else
      float_spectra.Run(engine.get(), samples, static_cast<int64_t>(n), t0, rows, power.data());
    ApplyPower(o.power, power.data(), static_cast<size_t>(rows) * used_bins);
    // Mel energies: the filterbank is banded (each triangle spans a few bins,
    // ~2 nonzeros per bin in all), so each filter is a short dot product over
    // its band; a dense (bins x n_mels) product does ~20x the multiply-adds.
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = power.data() + r * used_bins - first_bin_;
      float* out = log_mel->data() + (t0 + r) * mels;
      for (int m = 0; m < mels; ++m) {
        const Band& band = bands_[m];
        const float* w = band_weights_.data() + band.offset;
        const float* x = p + band.first;
        float acc = 0.0f;
        for (int k = 0; k < band.size; ++k) acc += w[k] * x[k];
        out[m] = acc;
      }
    }
  }

  // Log compression over the whole utterance (top_db is relative to its maximum,
  // as torchaudio's AmplitudeToDB and librosa's power_to_db do per signal).
  const float floor = static_cast<float>(o.log_floor);
  float* v = log_mel->data();
  const size_t count = log_mel->size();
  if (o.log == "db") {
    float max_db = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < count; ++i) {
      v[i] = 10.0f * std::log10(std::max(v[i], floor));
      max_db = std::max(max_db, v[i]);
    }
    if (o.top_db > 0) {
      const float lowest = max_db - static_cast<float>(o.top_db);
      for (size_t i = 0; i < count; ++i) v[i] = std::max(v[i], lowest);
    }
  } else {
    for (size_t i = 0; i < count; ++i) v[i] = std::log(std::max(v[i], floor));
  }
  return frames;
}

std::vector<float> Mfcc::ComputeLogMel(const float* samples, size_t n, int64_t* num_frames) const {
  std::vector<float> log_mel;
  const int64_t frames = LogMel(samples, n, &log_mel);
  if (num_frames) *num_frames = frames;
  return log_mel;
}

std::vector<float> Mfcc::Compute(const float* samples, size_t n, int64_t* num_frames) const {
  std::vector<float> log_mel;
  const int64_t frames = LogMel(samples, n, &log_mel);
  if (num_frames) *num_frames = frames;
  const int mels = options_.n_mels, ceps = options_.n_mfcc;
  std::vector<float> out(static_cast<size_t>(frames) * ceps);
  if (frames == 0) return out;
  // In double, block by block: summing 40 terms of up to ~100 dB in float costs
  // ~2e-4 dB, a fifth of the parity budget, and this product is cheap next to the FFTs.
  using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMatrixD> d(dct_.data(), mels, ceps);
  RowMatrixD block_mel, block_out;
  for (int64_t t0 = 0; t0 < frames; t0 += kBlockFrames) {
    const int64_t rows = std::min<int64_t>(kBlockFrames, frames - t0);
    block_mel = Eigen::Map<const RowMatrix>(log_mel.data() + t0 * mels, rows, mels).cast<double>();
    block_out.noalias() = block_mel * d;
    Eigen::Map<RowMatrix>(out.data() + t0 * ceps, rows, ceps) = block_out.cast<float>();
  }
  return out;
}

}  // namespace merhan
