#include "merhan/audio/mfcc_options.h"

#include "merhan/util/error.h"

namespace merhan {

void MfccOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".n_mfcc", &n_mfcc, "cepstral coefficients kept");
  r->Register(p + ".n_fft", &n_fft, "FFT size");
  r->Register(p + ".win_length", &win_length, "window length in samples");
  r->Register(p + ".hop_length", &hop_length, "frame shift in samples");
  r->Register(p + ".n_mels", &n_mels, "mel filters");
}

void MfccOptions::Validate() const {
  if (n_mfcc < 1 || n_mfcc > n_mels) throw UsageError("mfcc.n_mfcc: must be in 1..mfcc.n_mels");
}

}  // namespace merhan
