#!/usr/bin/env python3
"""Reference MFCCs and resampling for merhan's audio parity tests.

Run with the project venv's python (torchaudio, librosa, soxr, soundfile):

  ref_mfcc.py mfcc --signal sig.npy --options opts.json --impl torchaudio --out ref.npy
  ref_mfcc.py mfcc --wav a.wav      --options opts.json --impl librosa    --out ref.npy
  ref_mfcc.py resample --signal x.npy --in-rate 44100 --out-rate 16000 --out y.npy
  ref_mfcc.py batch jobs.json      (many of the above in one process)

`--options` is the JSON that `MfccOptions::ToString()` prints (a "mfcc" object, or
its contents), so the reference runs on exactly the settings merhan used. The
signal is a 1-D float32 .npy (what merhan loaded and resampled: resampling is
factored out of MFCC parity) or a wav read with soundfile (mean of channels, no
resampling: its rate must equal mfcc.sample_rate).

Implementations:
  torchaudio  torchaudio.transforms.MFCC (mel spectrogram, AmplitudeToDB, DCT)
  kaldi       torchaudio.compliance.kaldi.mfcc
  librosa     librosa.feature.melspectrogram -> power_to_db -> librosa.feature.mfcc(S=...)
Output: float32 .npy of shape (frames, n_mfcc), the layout merhan writes.
"""
import argparse
import json
import sys

import numpy as np


def load_signal(args, sample_rate):
    if args.signal:
        x = np.load(args.signal)
        if x.ndim != 1:
            sys.exit(f"{args.signal}: expected a 1-D signal, got shape {x.shape}")
        return x.astype(np.float32)
    import soundfile as sf  # libsndfile; int formats scaled to [-1, 1)

    x, sr = sf.read(args.wav, dtype="float32", always_2d=True)
    if sr != sample_rate:
        sys.exit(f"{args.wav}: {sr} Hz, but the options are for {sample_rate} Hz (no resampling here)")
    return x.mean(axis=1).astype(np.float32)


def load_options(path):
    with open(path) as f:
        o = json.load(f)
    return o.get("mfcc", o)


def require(cond, what):
    if not cond:
        sys.exit(f"ref_mfcc.py: the reference cannot express {what}")


def f_max_hz(o):
    return o["f_max"] if o["f_max"] > 0 else o["sample_rate"] / 2 + o["f_max"]


def torchaudio_mfcc(x, o, dtype):
    import torch
    import torchaudio

    require(o["window"] in ("hann", "hamming"), "window " + o["window"])
    require(o["center"], "center=false (use --impl kaldi)")
    require(o["dither"] == 0 and o["preemphasis"] == 0 and not o["remove_dc"], "dither/pre-emphasis/DC removal")
    require(o["mel_triangles"] == "hz", "Kaldi mel triangles")
    require(o["log"] == "db" and o["top_db"] == 80.0, "log other than dB with top_db 80 (MFCC hard-codes it)")
    require(abs(o["log_floor"] - 1e-10) < 1e-20, "log_floor other than 1e-10 (AmplitudeToDB amin)")
    require(o["lifter"] == 0, "a lifter")
    periodic = o["window_periodic"]
    base = torch.hann_window if o["window"] == "hann" else torch.hamming_window

    def window_fn(n, **kw):
        # In the window's own dtype: torch would otherwise build it in float32 even
        # for a float64 run, and its rounding alone moves weak bins by ~3e-4 dB.
        return base(n, periodic=periodic, dtype=dtype)

    t = torchaudio.transforms.MFCC(
        sample_rate=o["sample_rate"], n_mfcc=o["n_mfcc"], dct_type=2, norm="ortho", log_mels=False,
        melkwargs=dict(n_fft=o["n_fft"], win_length=o["win_length"], hop_length=o["hop_length"],
                       f_min=o["f_min"], f_max=f_max_hz(o), n_mels=o["n_mels"], window_fn=window_fn,
                       power=o["power"], center=True, pad_mode=o["pad_mode"],
                       norm=None if o["mel_norm"] == "none" else "slaney", mel_scale=o["mel_scale"]))
    t = t.to(dtype)
    with torch.no_grad():
        y = t(torch.from_numpy(x).to(dtype))  # (n_mfcc, frames)
    return y.T.double().numpy()


def kaldi_mfcc(x, o, dtype):
    import torch
    import torchaudio.compliance.kaldi as kaldi

    sr = o["sample_rate"]
    require(not o["center"], "center=true (use --impl torchaudio)")
    require(o["mel_triangles"] == "mel" and o["mel_scale"] == "htk" and o["mel_norm"] == "none", "non-Kaldi mel banks")
    require(o["log"] == "ln", "dB log")
    require(abs(o["log_floor"] - torch.finfo(torch.float32).eps) < 1e-12, "a log floor other than float eps")
    require(o["power"] == 2.0, "power != 2")
    require(o["window_periodic"] is False, "periodic windows")
    window = {"povey": "povey", "hamming": "hamming", "hann": "hanning", "rectangular": "rectangular"}[o["window"]]
    # Frame sizes are given in ms; find the ms values Kaldi truncates back to our sizes.
    frame_length = 1000.0 * o["win_length"] / sr
    frame_shift = 1000.0 * o["hop_length"] / sr
    for ms in (25.0, 20.0, 30.0):
        if int(sr * ms * 0.001) == o["win_length"]:
            frame_length = ms
    for ms in (10.0, 5.0, 15.0):
        if int(sr * ms * 0.001) == o["hop_length"]:
            frame_shift = ms
    require(int(sr * frame_length * 0.001) == o["win_length"], "this win_length in whole ms")
    require(int(sr * frame_shift * 0.001) == o["hop_length"], "this hop_length in whole ms")
    pow2 = 1 << (o["win_length"] - 1).bit_length()
    require(o["n_fft"] in (pow2, o["win_length"]), "n_fft other than win_length or its next power of two")
    if o["snip_edges"] and len(x) < o["win_length"]:
        # torchaudio asserts here; Kaldi (snip_edges) yields zero frames, as merhan does.
        return np.zeros((0, o["n_mfcc"]))
    wav = torch.from_numpy(x).to(dtype).unsqueeze(0)
    y = kaldi.mfcc(wav, sample_frequency=float(sr), frame_length=frame_length, frame_shift=frame_shift,
                   round_to_power_of_two=o["n_fft"] == pow2, window_type=window, snip_edges=o["snip_edges"],
                   dither=o["dither"], preemphasis_coefficient=o["preemphasis"], remove_dc_offset=o["remove_dc"],
                   num_mel_bins=o["n_mels"], num_ceps=o["n_mfcc"], cepstral_lifter=o["lifter"],
                   low_freq=o["f_min"], high_freq=o["f_max"], use_energy=False)
    return y.double().numpy()  # (frames, n_mfcc)


def librosa_mfcc(x, o, dtype):
    import librosa

    require(o["window"] in ("hann", "hamming") and o["window_periodic"], "symmetric windows")
    require(o["center"], "center=false")
    require(o["dither"] == 0 and o["preemphasis"] == 0 and not o["remove_dc"], "dither/pre-emphasis/DC removal")
    require(o["mel_triangles"] == "hz" and o["log"] == "db" and o["lifter"] == 0, "Kaldi mel banks, ln or lifter")
    y = x.astype(np.float64 if dtype == "float64" else np.float32)
    S = librosa.feature.melspectrogram(
        y=y, sr=o["sample_rate"], n_fft=o["n_fft"], hop_length=o["hop_length"], win_length=o["win_length"],
        window=o["window"], center=True, pad_mode=o["pad_mode"], power=o["power"], n_mels=o["n_mels"],
        fmin=o["f_min"], fmax=f_max_hz(o), htk=o["mel_scale"] == "htk",
        norm=None if o["mel_norm"] == "none" else "slaney", dtype=y.dtype)
    db = librosa.power_to_db(S, ref=1.0, amin=o["log_floor"], top_db=o["top_db"] if o["top_db"] > 0 else None)
    m = librosa.feature.mfcc(S=db, n_mfcc=o["n_mfcc"], dct_type=2, norm="ortho")
    return m.T.astype(np.float64)


def cmd_mfcc(args):
    import torch

    torch.set_num_threads(1)
    o = load_options(args.options) if isinstance(args.options, str) else args.options.get("mfcc", args.options)
    x = load_signal(args, o["sample_rate"])
    if args.impl == "librosa":
        y = librosa_mfcc(x, o, args.dtype)
    else:
        dtype = torch.float64 if args.dtype == "float64" else torch.float32
        y = (torchaudio_mfcc if args.impl == "torchaudio" else kaldi_mfcc)(x, o, dtype)
    np.save(args.out, np.ascontiguousarray(y, dtype=np.float32))
    print(f"{args.impl}: {y.shape[0]} frames x {y.shape[1]} coefficients -> {args.out}")


def cmd_resample(args):
    import soxr

    x = np.load(args.signal).astype(np.float32)
    y = soxr.resample(x, args.in_rate, args.out_rate, quality=args.quality)
    np.save(args.out, np.ascontiguousarray(y, dtype=np.float32))
    print(f"soxr {soxr.__version__} {args.quality}: {x.shape[0]} -> {y.shape[0]} samples -> {args.out}")


def cmd_batch(args):
    """Many jobs in one process (torch's import alone takes seconds). jobs.json is a
    list of objects with the keys of `mfcc` (signal|wav, options: path or object,
    impl, dtype, out) or of `resample` (cmd: "resample", signal, in_rate, out_rate,
    quality, out)."""
    with open(args.jobs) as f:
        jobs = json.load(f)
    for job in jobs:
        ns = argparse.Namespace(signal=job.get("signal"), wav=job.get("wav"), out=job["out"])
        if job.get("cmd") == "resample":
            ns.in_rate, ns.out_rate, ns.quality = job["in_rate"], job["out_rate"], job.get("quality", "HQ")
            cmd_resample(ns)
        else:
            ns.options, ns.impl, ns.dtype = job["options"], job["impl"], job.get("dtype", "float32")
            cmd_mfcc(ns)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mfcc")
    src = m.add_mutually_exclusive_group(required=True)
    src.add_argument("--signal", help="1-D float32 .npy at mfcc.sample_rate")
    src.add_argument("--wav", help="audio file at mfcc.sample_rate (read with soundfile, channels averaged)")
    m.add_argument("--options", required=True, help="MfccOptions JSON (MfccOptions::ToString())")
    m.add_argument("--impl", choices=["torchaudio", "kaldi", "librosa"], required=True)
    m.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="precision the reference computes in (float32 = what users run)")
    m.add_argument("--out", required=True)
    m.set_defaults(fn=cmd_mfcc)
    r = sub.add_parser("resample")
    r.add_argument("--signal", required=True)
    r.add_argument("--in-rate", type=float, required=True)
    r.add_argument("--out-rate", type=float, required=True)
    r.add_argument("--quality", default="HQ", choices=["QQ", "LQ", "MQ", "HQ", "VHQ"])
    r.add_argument("--out", required=True)
    r.set_defaults(fn=cmd_resample)
    b = sub.add_parser("batch", help=cmd_batch.__doc__)
    b.add_argument("jobs", help="JSON list of jobs")
    b.set_defaults(fn=cmd_batch)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
