#!/usr/bin/env python3
"""torchaudio and librosa MFCC throughput on the same files as bench/bench_mfcc.cc.

  bench_mfcc.py --options opts.json [--repeats 5] [--threads N] [--ours ours.json] files...

`--options` is merhan's resolved MfccOptions JSON (bench_mfcc --json writes it under
"options"), so every implementation runs the same settings (scripts/ref_mfcc.py maps
them). Files are read with soundfile and must already be at mfcc.sample_rate
(loading is not timed, as in bench_mfcc's `single` / `all_cores`).

Measurements (min and median over --repeats, after one warm-up):
  torchaudio single   torch.set_num_threads(1), one file after another
  torchaudio all      torch.set_num_threads(N) (intra-op parallelism), one file after another
  librosa single      one file after another (numpy's FFT is single-threaded)
  librosa all         a process pool of N workers over the files
With --ours (bench_mfcc --json output) it prints the ratios ours / peer.
"""
import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_mfcc  # noqa: E402  (the same option mapping the parity tests use)


def load(files, sr):
    import soundfile as sf

    out = []
    for f in files:
        x, rate = sf.read(f, dtype="float32", always_2d=True)
        if rate != sr:
            sys.exit(f"{f}: {rate} Hz, expected {sr} Hz (resample the benchmark files first)")
        out.append(np.ascontiguousarray(x.mean(axis=1), dtype=np.float32))
    return out


def timed(fn, repeats):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


_WORKER = {}


def _librosa_one(i):
    return ref_mfcc.librosa_mfcc(_WORKER["signals"][i], _WORKER["o"], "float32").shape[0]


def _init_worker(signals, o):
    _WORKER["signals"] = signals
    _WORKER["o"] = o


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--options", required=True)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--ours", help="bench_mfcc --json output, for ratios")
    p.add_argument("--json", help="write the figures here")
    p.add_argument("files", nargs="+")
    a = p.parse_args()

    import torch
    import torchaudio

    o = ref_mfcc.load_options(a.options)
    if "options" in o:
        o = o["options"]["mfcc"] if "mfcc" in o["options"] else o["options"]
    signals = load(a.files, o["sample_rate"])
    seconds = sum(len(s) for s in signals) / o["sample_rate"]
    kaldi = not o["center"]
    tensors = [torch.from_numpy(s) for s in signals]

    if kaldi:
        def ta_all():
            for t in tensors:
                ref_mfcc.kaldi_mfcc(t.numpy(), o, torch.float32)
    else:
        # Build the transform once, as a user would.
        periodic = o["window_periodic"]
        base = torch.hann_window if o["window"] == "hann" else torch.hamming_window
        f_max = ref_mfcc.f_max_hz(o)
        transform = torchaudio.transforms.MFCC(
            sample_rate=o["sample_rate"], n_mfcc=o["n_mfcc"], dct_type=2, norm="ortho", log_mels=False,
            melkwargs=dict(n_fft=o["n_fft"], win_length=o["win_length"], hop_length=o["hop_length"],
                           f_min=o["f_min"], f_max=f_max, n_mels=o["n_mels"],
                           window_fn=lambda n: base(n, periodic=periodic), power=o["power"], center=True,
                           pad_mode=o["pad_mode"], norm=None if o["mel_norm"] == "none" else "slaney",
                           mel_scale=o["mel_scale"]))

        def ta_all():
            with torch.inference_mode():
                for t in tensors:
                    transform(t)

    results = {}

    def report(name, ts, threads):
        r = dict(threads=threads, seconds=ts, min_s=min(ts), median_s=statistics.median(ts),
                 xrt_best=seconds / min(ts), xrt_median=seconds / statistics.median(ts))
        results[name] = r
        print(f"{name:<18} threads {threads:<3} x real time: best {r['xrt_best']:.1f}, median {r['xrt_median']:.1f}"
              f"  (min {r['min_s']:.4f} s, median {r['median_s']:.4f} s)")

    print(f"torch {torch.__version__}, torchaudio {torchaudio.__version__}; {len(signals)} files, "
          f"{seconds:.1f} s of audio, {a.repeats} repeats")
    torch.set_num_threads(1)
    report("torchaudio_single", timed(ta_all, a.repeats), 1)
    torch.set_num_threads(a.threads)
    report("torchaudio_all", timed(ta_all, a.repeats), a.threads)
    torch.set_num_threads(1)
    if not kaldi:
        import librosa

        def lr_all():
            for s in signals:
                ref_mfcc.librosa_mfcc(s, o, "float32")

        print(f"librosa {librosa.__version__}")
        report("librosa_single", timed(lr_all, a.repeats), 1)
        with ProcessPoolExecutor(a.threads, initializer=_init_worker, initargs=(signals, o)) as pool:
            def lr_pool():
                list(pool.map(_librosa_one, range(len(signals))))
            report("librosa_all", timed(lr_pool, a.repeats), a.threads)

    if a.ours:
        with open(a.ours) as f:
            ours = json.load(f)["results"]
        print("\nratios (ours / peer, x real time; >1 = merhan faster)")
        pairs = [("single", "torchaudio_single"), ("all_cores", "torchaudio_all"),
                 ("single", "librosa_single"), ("all_cores", "librosa_all")]
        for mine, peer in pairs:
            if peer in results and mine in ours:
                print(f"  merhan {mine:<10} / {peer:<18} best {ours[mine]['xrt_best'] / results[peer]['xrt_best']:.2f}"
                      f"  median {ours[mine]['xrt_median'] / results[peer]['xrt_median']:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(audio_seconds=seconds, results=results), f, indent=1)


if __name__ == "__main__":
    main()
