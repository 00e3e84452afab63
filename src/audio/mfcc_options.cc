#include "merhan/audio/mfcc_options.h"

#include <cmath>
#include <tuple>

#include "merhan/audio/audio_options.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

std::string Num(double v) {
  std::string s = std::to_string(v);
  return s;
}

}  // namespace

void MfccOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".sample_rate", &sample_rate,
              "rate in Hz the mel filterbank is built for; must equal audio.sample_rate");
  r->Register(p + ".n_fft", &n_fft, "FFT size (even, >= win_length); frames are zero-padded to it");
  r->Register(p + ".win_length", &win_length, "analysis window length in samples");
  r->Register(p + ".hop_length", &hop_length, "frame shift in samples");
  r->RegisterChoice(p + ".window", &window, {"hann", "hamming", "povey", "rectangular"},
                    "window function (povey = hann^0.85, Kaldi)");
  r->Register(p + ".window_periodic", &window_periodic, "periodic window (torch default) or symmetric (Kaldi)");
  r->Register(p + ".center", &center,
              "torch.stft/librosa framing: frames centred on t*hop, signal padded by n_fft/2; false = Kaldi framing");
  r->RegisterChoice(p + ".pad_mode", &pad_mode, {"reflect", "constant"},
                    "padding when center=true (torchaudio reflect, librosa constant)");
  r->Register(p + ".snip_edges", &snip_edges, "center=false: keep whole windows only (Kaldi snip_edges)");
  r->Register(p + ".dither", &dither, "std of Gaussian noise added to each frame sample; 0 = off");
  r->Register(p + ".dither_seed", &dither_seed, "seed of the dither noise (outputs are reproducible)");
  r->Register(p + ".remove_dc", &remove_dc, "subtract each frame's mean before pre-emphasis");
  r->Register(p + ".preemphasis", &preemphasis, "per-frame pre-emphasis coefficient; 0 = off");
  r->Register(p + ".power", &power, "exponent of the spectrum magnitude: 1 magnitude, 2 power");
  r->Register(p + ".n_mels", &n_mels, "mel filters");
  r->Register(p + ".f_min", &f_min, "lowest filterbank frequency in Hz");
  r->Register(p + ".f_max", &f_max, "highest filterbank frequency in Hz; <= 0 means Nyquist + f_max");
  r->RegisterChoice(p + ".mel_scale", &mel_scale, {"htk", "slaney"}, "mel scale formula");
  r->RegisterChoice(p + ".mel_norm", &mel_norm, {"none", "slaney"}, "filter normalisation (slaney = equal area)");
  r->RegisterChoice(p + ".mel_triangles", &mel_triangles, {"hz", "mel"},
                    "triangles linear in Hz (torchaudio, librosa) or in mel (Kaldi)");
  r->RegisterChoice(p + ".log", &log, {"db", "ln"}, "db: 10 log10(max(x, floor)) with top_db; ln: ln(max(x, floor))");
  r->Register(p + ".log_floor", &log_floor,
              "floor applied before the log (torchaudio amin 1e-10, Kaldi 1.1920929e-07)");
  r->Register(p + ".top_db", &top_db, "db only: clamp at the utterance's max minus top_db; <= 0 = off");
  r->Register(p + ".n_mfcc", &n_mfcc, "cepstral coefficients kept (orthonormal DCT-II)");
  r->Register(p + ".lifter", &lifter, "cepstral lifter L (c_k *= 1 + L/2 sin(pi k/L)); 0 = off");
  r->RegisterChoice(p + ".fft_precision", &fft_precision, {"float", "double"},
                    "framing and FFT arithmetic: float (kissfft) or double (Eigen FFT)");
}

void MfccOptions::Validate() const {
  auto bad = [](const std::string& key, const std::string& why) { throw UsageError("mfcc." + key + ": " + why); };
  if (sample_rate < 1000 || sample_rate > 384000)
    bad("sample_rate", "expected 1000..384000 Hz, got " + std::to_string(sample_rate));
  if (win_length < 2) bad("win_length", "must be >= 2, got " + std::to_string(win_length));
  if (n_fft < win_length)
    bad("n_fft", "must be >= mfcc.win_length (" + std::to_string(win_length) + "), got " + std::to_string(n_fft));
  if (n_fft % 2 != 0) bad("n_fft", "must be even (real FFT), got " + std::to_string(n_fft));
  if (n_fft > (1 << 20)) bad("n_fft", "must be <= 1048576, got " + std::to_string(n_fft));
  if (hop_length < 1) bad("hop_length", "must be >= 1, got " + std::to_string(hop_length));
  if (!(dither >= 0)) bad("dither", "must be >= 0, got " + Num(dither));
  if (!(preemphasis >= 0 && preemphasis <= 1)) bad("preemphasis", "must be in [0, 1], got " + Num(preemphasis));
  if (!(power > 0)) bad("power", "must be > 0, got " + Num(power));
  if (n_mels < 1) bad("n_mels", "must be >= 1, got " + std::to_string(n_mels));
  const double nyquist = sample_rate / 2.0;
  const double high = f_max > 0 ? f_max : nyquist + f_max;
  if (!(f_min >= 0)) bad("f_min", "must be >= 0, got " + Num(f_min));
  if (!(high > f_min))
    bad("f_max", "resolves to " + Num(high) + " Hz, which must exceed mfcc.f_min (" + Num(f_min) + ")");
  if (high > nyquist + 1e-9) bad("f_max", "resolves to " + Num(high) + " Hz, above Nyquist (" + Num(nyquist) + ")");
  if (!(log_floor > 0)) bad("log_floor", "must be > 0, got " + Num(log_floor));
  if (!std::isfinite(top_db)) bad("top_db", "must be finite");
  if (n_mfcc < 1 || n_mfcc > n_mels)
    bad("n_mfcc", "must be in 1..mfcc.n_mels (" + std::to_string(n_mels) + "), got " + std::to_string(n_mfcc));
  if (!(lifter >= 0)) bad("lifter", "must be >= 0, got " + Num(lifter));
  for (const auto& [key, value, choices] : std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
           {"window", window, {"hann", "hamming", "povey", "rectangular"}},
           {"pad_mode", pad_mode, {"reflect", "constant"}},
           {"mel_scale", mel_scale, {"htk", "slaney"}},
           {"mel_norm", mel_norm, {"none", "slaney"}},
           {"mel_triangles", mel_triangles, {"hz", "mel"}},
           {"log", log, {"db", "ln"}},
           {"fft_precision", fft_precision, {"float", "double"}}}) {
    bool ok = false;
    for (const auto& c : choices) ok = ok || c == value;
    if (!ok) bad(key, "unknown value \"" + value + "\"");
  }
}

std::vector<std::string> MfccOptions::PresetNames() { return {"torchaudio", "kaldi", "librosa"}; }

MfccOptions MfccOptions::Preset(const std::string& name, int rate) {
  MfccOptions o;  // the torchaudio preset is the defaults
  o.sample_rate = rate;
  if (name == "torchaudio") return o;
  if (name == "librosa") {
    // librosa.feature.mfcc(..., n_fft=512, win_length=400, hop_length=160, n_mels=40,
    // n_mfcc=40): Slaney mel scale and norm, centred with constant padding.
    o.pad_mode = "constant";
    o.mel_scale = "slaney";
    o.mel_norm = "slaney";
    return o;
  }
  if (name == "kaldi") {
    // torchaudio.compliance.kaldi.mfcc defaults; frame sizes as in its
    // _get_waveform_and_window_properties (truncation, next power of two).
    o.win_length = static_cast<int>(rate * 25.0 * 0.001);
    o.hop_length = static_cast<int>(rate * 10.0 * 0.001);
    o.n_fft = 1;
    while (o.n_fft < o.win_length) o.n_fft *= 2;
    o.window = "povey";
    o.window_periodic = false;
    o.center = false;
    o.snip_edges = true;
    o.dither = 0.0;
    o.remove_dc = true;
    o.preemphasis = 0.97;
    o.power = 2.0;
    o.n_mels = 23;
    o.f_min = 20.0;
    o.f_max = 0.0;
    o.mel_scale = "htk";  // Kaldi's 1127 ln(1 + f/700): the same scale, triangles in mel
    o.mel_norm = "none";
    o.mel_triangles = "mel";
    o.log = "ln";
    o.log_floor = 1.1920928955078125e-07;  // torch.finfo(torch.float32).eps
    o.top_db = 0.0;
    o.n_mfcc = 13;
    o.lifter = 22.0;
    // The lifter multiplies c_12 by 12, and float FFTs leave ~1.2e-3 of error there
    // against a float64 reference (torchaudio's own float32 run: ~1e-3); double
    // FFTs bring it to ~2e-4 (docs/benchmarks.md).
    o.fft_precision = "double";
    return o;
  }
  std::string names;
  for (const auto& n : PresetNames()) names += (names.empty() ? "" : ", ") + n;
  throw UsageError("unknown MFCC preset \"" + name + "\" (expected one of " + names + ")");
}

void CheckSampleRatesAgree(const AudioOptions& audio, const MfccOptions& mfcc) {
  if (audio.sample_rate != mfcc.sample_rate) {
    throw UsageError("mfcc.sample_rate (" + std::to_string(mfcc.sample_rate) + ") must equal audio.sample_rate (" +
                     std::to_string(audio.sample_rate) +
                     "): the mel filterbank is built for the rate audio is resampled to");
  }
}

}  // namespace merhan
