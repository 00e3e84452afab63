// Every knob of the MFCC pipeline, with the seed's settings as defaults.
//
// The pipeline (src/audio/mfcc.cc): frame -> [dither] -> [DC removal] ->
// [pre-emphasis] -> window -> zero-pad to n_fft -> |rFFT|^power -> mel filterbank
// -> log (dB with top_db, or natural log with a floor) -> orthonormal DCT-II ->
// [lifter]. Defaults equal torchaudio.transforms.MFCC with the seed's settings
// (the `torchaudio` preset); `Preset("kaldi")` equals
// torchaudio.compliance.kaldi.mfcc's defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "merhan/util/config_registry.h"

namespace merhan {

struct AudioOptions;

struct MfccOptions {
  // --- framing -------------------------------------------------------------
  int sample_rate = 16000;      // rate the filterbank assumes; must equal audio.sample_rate
  int n_fft = 512;              // FFT size (even, >= win_length); frames are zero-padded to it
  int win_length = 400;         // analysis window in samples
  int hop_length = 160;         // frame shift in samples
  std::string window = "hann";  // hann | hamming | povey (hann^0.85) | rectangular
  bool window_periodic = true;  // periodic (torch.hann_window default) or symmetric (Kaldi)
  // center=true: torch.stft/librosa framing, frame t is centred on sample t*hop,
  // the signal padded by n_fft/2 with pad_mode; 1 + n/hop frames.
  // center=false: Kaldi framing; snip_edges=true keeps whole windows only
  // (1 + (n-win)/hop frames), false pads symmetrically ((n + hop/2)/hop frames).
  bool center = true;
  std::string pad_mode = "reflect";  // reflect | constant (zeros); center=true only
  bool snip_edges = true;            // center=false only
  // --- per-frame conditioning (Kaldi order: dither, DC, pre-emphasis, window) --
  double dither = 0.0;       // std of Gaussian noise added per frame sample; 0 = off
  int64_t dither_seed = 0;   // the noise is seeded, so outputs are reproducible
  bool remove_dc = false;    // subtract each frame's mean
  double preemphasis = 0.0;  // x[i] -= c * x[i-1] within the frame (x[-1] = x[0])
  // --- spectrum and mel filterbank --------------------------------------------
  double power = 2.0;  // 1 = magnitude, 2 = power spectrum
  int n_mels = 40;
  double f_min = 0.0;             // Hz
  double f_max = 0.0;             // Hz; <= 0 means nyquist + f_max (Kaldi's high_freq)
  std::string mel_scale = "htk";  // htk (2595 log10(1 + f/700)) | slaney
  std::string mel_norm = "none";  // none | slaney (area normalisation)
  // Where the triangles are linear: hz (torchaudio/librosa melscale_fbanks) or
  // mel (Kaldi get_mel_banks; the Nyquist bin gets no weight).
  std::string mel_triangles = "hz";
  // --- log compression --------------------------------------------------------
  std::string log = "db";    // db: 10 log10(max(x, log_floor)); ln: ln(max(x, log_floor))
  double log_floor = 1e-10;  // torchaudio amin 1e-10; Kaldi float epsilon 1.1920929e-07
  double top_db = 80.0;      // db only: clamp to (utterance max - top_db); <= 0 = off
  // --- cepstrum ---------------------------------------------------------------
  int n_mfcc = 40;      // coefficients kept from the orthonormal DCT-II
  double lifter = 0.0;  // Kaldi/HTK cepstral lifter L: c_k *= 1 + L/2 sin(pi k / L); 0 = off
  // --- arithmetic -------------------------------------------------------------
  // Framing and FFT in float (kissfft-float) or double (Eigen's FFT). Mel, log and
  // DCT are float either way. See docs/benchmarks.md for the accuracy/speed trade.
  std::string fft_precision = "float";

  void Register(ConfigRegistry* r, const std::string& prefix = "mfcc");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }

  // "torchaudio": the defaults above (torchaudio.transforms.MFCC with the seed's
  // melkwargs). "kaldi": torchaudio.compliance.kaldi.mfcc defaults (25 ms / 10 ms
  // frames, povey window, snip_edges, DC removal, pre-emphasis 0.97, 23 mel bins
  // 20 Hz..Nyquist, ln with float-epsilon floor, 13 cepstra, lifter 22), with the
  // frame sizes computed for `sample_rate` as Kaldi does. "librosa": librosa.feature.mfcc
  // with the seed's sizes (Slaney mel scale and norm, constant padding).
  // Throws UsageError for any other name.
  static MfccOptions Preset(const std::string& name, int sample_rate = 16000);
  static std::vector<std::string> PresetNames();
};

// The filterbank must be built for the rate LoadAudio resamples to: UsageError
// naming both keys when audio.sample_rate and mfcc.sample_rate differ.
void CheckSampleRatesAgree(const AudioOptions& audio, const MfccOptions& mfcc);

}  // namespace merhan
