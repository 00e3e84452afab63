// `merhan mfcc`: one audio file -> MFCC matrix (frames x coefficients) as float32 .npy.
#include <CLI/CLI.hpp>

#include "merhan/audio/audio_loader.h"
#include "merhan/audio/cmvn.h"
#include "merhan/audio/mfcc.h"
#include "merhan/cli/cli.h"
#include "merhan/data/torch_power_spectrum.h"
#include "merhan/io/npy.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::cli {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void AddMfccCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mfcc", "compute the MFCCs of one audio file and write them as float32 .npy (frames x coefficients)");
  struct Args {
    std::string wav, preset = "torchaudio", cmvn = "none", out, signal_out;
    std::vector<std::string> sets;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--wav", args->wav,
                  "audio file (wav, flac, ... through libsndfile; mp4, m4a, mp3, ogg, webm, ... through FFmpeg)")
      ->required();
  cmd->add_option("--preset", args->preset, "torchaudio | kaldi | librosa")->capture_default_str();
  cmd->add_option("--set", args->sets, "override an mfcc.* or audio.* key, e.g. --set mfcc.n_mfcc=13 (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--cmvn", args->cmvn, "none | utterance (per-utterance mean and variance)")
      ->check(CLI::IsMember({"none", "utterance"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "output .npy")->required();
  cmd->add_option("--signal-out", args->signal_out,
                  "also write the mono, resampled signal the MFCCs were computed on (.npy)");
  cmd->callback([args] {
    if (!EndsWith(args->out, ".npy")) throw UsageError("--out " + args->out + ": expected a .npy path");
    if (!args->signal_out.empty() && !EndsWith(args->signal_out, ".npy")) {
      throw UsageError("--signal-out " + args->signal_out + ": expected a .npy path");
    }
    // The preset's frame sizes depend on the rate (Kaldi's are in ms), so the
    // audio.* overrides are applied first, then the preset, then every override.
    AudioOptions audio;
    {
      ConfigRegistry audio_only;
      audio.Register(&audio_only);
      for (const auto& s : args->sets) {
        if (s.rfind("audio.", 0) == 0) audio_only.ApplyOverride(s);
      }
    }
    MfccOptions mfcc = MfccOptions::Preset(args->preset, audio.sample_rate);
    ConfigRegistry registry;
    audio.Register(&registry);
    mfcc.Register(&registry);
    for (const auto& s : args->sets) registry.ApplyOverride(s);
    audio.Validate();
    mfcc.Validate();
    CheckSampleRatesAgree(audio, mfcc);

    const AudioSignal signal = LoadAudio(args->wav, audio);
    log::Info(Cat(args->wav, ": ", signal.format, ", ", signal.subtype, ", ", signal.original_channels, " channel(s), ",
                  signal.original_sample_rate, " Hz, ", signal.original_frames, " frames -> ", signal.samples.size(),
                  " mono samples at ", signal.sample_rate, " Hz"));
    if (!args->signal_out.empty()) {
      WriteNpyFloat32(args->signal_out, {static_cast<int64_t>(signal.samples.size())}, signal.samples.data());
    }
    const Mfcc extractor(mfcc, MakeTorchPowerSpectrum);
    int64_t frames = 0;
    std::vector<float> features = extractor.Compute(signal.samples.data(), signal.samples.size(), &frames);
    if (args->cmvn == "utterance") ApplyUtteranceCmvn(features.data(), frames, mfcc.n_mfcc);
    WriteNpyFloat32(args->out, {frames, static_cast<int64_t>(mfcc.n_mfcc)}, features.data());
    log::Info(Cat("wrote ", args->out, ": ", frames, " frames x ", mfcc.n_mfcc, " coefficients (preset ", args->preset,
                  ", cmvn ", args->cmvn, ")"));
  });
}

}  // namespace merhan::cli
