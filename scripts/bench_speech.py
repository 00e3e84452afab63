#!/usr/bin/env python3
"""The transformers side of the speech-encoder extraction benchmark (docs/benchmarks.md,
"Speech-encoder extraction (CPU)"), and its helpers. Driven by scripts/bench_speech.sh.

  bench_speech.py bench --model-dir D --list FILES [--repeats 3] [--warmup 1] [--threads 2 | --workers W]
                        [--dtype fp32|bf16] [--dump-dir OUT --dump-count 2]
      What build/bench/bench_speech does, with transformers itself: AutoModel
      (attn_implementation="eager", eval) and the directory's feature extractor
      (Wav2Vec2FeatureExtractor: do_normalize from preprocessor_config.json), one
      utterance per forward, output_hidden_states=True, under torch.inference_mode with
      torch.set_num_threads(threads); audio read with soundfile (libsndfile, as merhan).
      A pass = feature extractor + forward for every file; timed `repeats` times after
      `warmup` passes. bf16 = torch.autocast("cpu", torch.bfloat16) around the forward.
      --workers W > 1: W forked processes with one intra-op thread each share the files
      of a pass (merhan's --workers uses threads). Prints one JSON line like bench_speech;
      its checksum is one pass's sum of last_hidden_state, in file order.

  bench_speech.py make-models --out DIR SHAPE...
      Random-weight models at the real shapes of make_speech_encoder_fixtures.py (its
      configs, randomisation and directory writer; bare model, model.safetensors, the
      published preprocessor settings), without the fixtures' reference outputs.

  bench_speech.py make-long --list FILES --seconds S --out X.wav
      One S-second 16-bit WAV: the listed utterances concatenated (cycled), cut to S s.

  bench_speech.py flops --list FILES
      Multiply-adds of one pass at the base shapes (7 convolutions 512 wide, projection,
      positional convolution 128 wide in 16 groups, 12 layers of 768/3072 with attention
      over each file's frames), for the ceiling in docs/benchmarks.md.

  bench_speech.py compare A_DIR B_DIR
      Max abs difference between same-named .npy files of two --dump-dir outputs.

  bench_speech.py table RESULTS_DIR
      The Markdown table of scripts/bench_speech.sh's results (<label>.json + <label>.time).
"""
import argparse
import json
import os
import sys
import time

import numpy as np


# What one worker holds: set by cmd_bench before any pool forks (copy-on-write).
_STATE = {}


def _encode(i):
    """Feature extractor + forward of file i; returns (frames, sum of last_hidden_state)."""
    import torch
    model, extractor, waves, bf16 = (_STATE[k] for k in ("model", "extractor", "waves", "bf16"))
    inputs = extractor(waves[i], sampling_rate=extractor.sampling_rate, return_tensors="pt")
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = model(inputs["input_values"], output_hidden_states=True)
    if _STATE.get("dump_dir") and i < _STATE["dump_count"]:
        states = torch.stack([h[0] for h in out.hidden_states]).float().numpy()
        np.save(os.path.join(_STATE["dump_dir"], f"{i}.npy"), states)
    return out.last_hidden_state.shape[1], out.last_hidden_state.float().sum().item()


def _one_thread():
    import torch
    torch.set_num_threads(1)


def cmd_bench(args):
    import multiprocessing

    import soundfile
    import torch
    import transformers
    from transformers import AutoModel, Wav2Vec2FeatureExtractor

    torch.set_num_threads(1 if args.workers > 1 else args.threads)
    model = AutoModel.from_pretrained(args.model_dir, attn_implementation="eager").eval()
    if os.path.exists(os.path.join(args.model_dir, "preprocessor_config.json")):
        extractor = Wav2Vec2FeatureExtractor.from_pretrained(args.model_dir)
    else:
        extractor = Wav2Vec2FeatureExtractor()
    with open(args.list) as f:
        paths = [line.strip() for line in f if line.strip()]
    waves = []
    for p in paths:
        wave, rate = soundfile.read(p, dtype="float32")
        assert rate == extractor.sampling_rate and wave.ndim == 1, p
        waves.append(wave)
    audio_seconds = sum(len(w) for w in waves) / extractor.sampling_rate
    _STATE.update(model=model, extractor=extractor, waves=waves, bf16=args.dtype == "bf16")
    # --workers W > 1: W forked processes, one intra-op thread each, the files handed out
    # one at a time (what merhan's --workers does with threads).
    pool = multiprocessing.get_context("fork").Pool(args.workers, _one_thread) if args.workers > 1 else None
    encode_all = (lambda: pool.map(_encode, range(len(waves)), chunksize=1)) if pool else \
        (lambda: [_encode(i) for i in range(len(waves))])
    seconds = []
    for r in range(-args.warmup, args.repeats):
        t0 = time.perf_counter()
        results = encode_all()
        if r >= 0:
            seconds.append(time.perf_counter() - t0)
    if pool:
        pool.close()
        pool.join()
    if args.dump_dir:  # after the timed passes, in this process
        _STATE.update(dump_dir=args.dump_dir, dump_count=args.dump_count)
        for i in range(min(args.dump_count, len(waves))):
            _encode(i)
    frames = sum(n for n, _ in results)
    checksum = sum(c for _, c in results)  # one pass, in file order
    print(json.dumps(dict(impl="transformers", transformers=transformers.__version__, torch=torch.__version__,
                          model_dir=args.model_dir, files=len(waves), audio_seconds=audio_seconds, frames=frames,
                          threads=1 if args.workers > 1 else args.threads, workers=args.workers, dtype=args.dtype,
                          do_normalize=extractor.do_normalize, checksum=checksum, seconds=seconds)))


def cmd_make_models(args):
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_speech_encoder_fixtures as fx

    torch.set_num_threads(2)
    for seed, shape in enumerate(args.shapes, start=101):
        spec = dict(fx.VARIANTS[shape], head=None, file="model.safetensors")
        config = fx.build_config(spec["shape"], real=True)
        torch.manual_seed(seed)
        model = fx.BARE[type(config)](config).eval()
        fx.randomize(model, torch.Generator().manual_seed(seed))
        path = os.path.join(args.out, shape)
        fx.save_dir(path, model, spec)
        params = sum(p.numel() for p in model.parameters())
        print(f"{shape}: {params / 1e6:.1f} M parameters -> {path}", file=sys.stderr)


def cmd_flops(args):
    import soundfile
    kernels, strides = [10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2]
    channels, hidden, layers, inner, groups, pos_kernel = 512, 768, 12, 3072, 16, 128
    parts = {"convolutions": 0, "layers": 0, "positional + projection": 0}
    seconds = 0.0
    with open(args.list) as f:
        paths = [line.strip() for line in f if line.strip()]
    for p in paths:
        t, c_in = soundfile.info(p).frames, 1
        seconds += t / 16000
        for k, s in zip(kernels, strides):
            t = (t - k) // s + 1
            parts["convolutions"] += t * channels * c_in * k
            c_in = channels
        parts["positional + projection"] += t * channels * hidden + t * hidden * (hidden // groups) * pos_kernel
        parts["layers"] += layers * t * (4 * hidden * hidden + 2 * hidden * inner + 2 * t * hidden)
    total = sum(parts.values())
    print(json.dumps(dict(files=len(paths), audio_seconds=seconds, gflop=2 * total / 1e9,
                          gflop_per_audio_second=2 * total / 1e9 / seconds,
                          shares={k: v / total for k, v in parts.items()})))


def cmd_compare(args):
    worst = 0.0
    for name in sorted(os.listdir(args.a)):
        if not name.endswith(".npy"):
            continue
        a, b = np.load(os.path.join(args.a, name)), np.load(os.path.join(args.b, name))
        if a.shape != b.shape:
            sys.exit(f"{name}: shapes {a.shape} and {b.shape} differ")
        diff = np.abs(a.astype(np.float64) - b)
        d = float(diff.max())
        print(json.dumps(dict(file=name, shape=list(a.shape), max_abs_diff=d, mean_abs_diff=float(diff.mean()),
                              max_abs_ref=float(np.abs(b).max()), last_layer_max_abs_diff=float(diff[-1].max()))))
        worst = max(worst, d)
    print(json.dumps(dict(max_abs_diff=worst)))


def cmd_make_long(args):
    import soundfile
    with open(args.list) as f:
        paths = [line.strip() for line in f if line.strip()]
    need, parts, i = int(args.seconds * 16000), [], 0
    while sum(len(p) for p in parts) < need:
        wave, rate = soundfile.read(paths[i % len(paths)], dtype="int16")
        assert rate == 16000
        parts.append(wave)
        i += 1
    soundfile.write(args.out, np.concatenate(parts)[:need], 16000, subtype="PCM_16")


def peak_rss_mb(path):
    with open(path) as f:
        for line in f:
            if "Maximum resident set size" in line:
                return int(line.split(":")[1]) / 1024
    return float("nan")


def cmd_table(args):
    rows = {}
    for name in sorted(os.listdir(args.dir)):
        if name.endswith(".json"):
            label = name[:-5]
            with open(os.path.join(args.dir, name)) as f:
                r = json.loads(f.read().strip().splitlines()[-1])
            r["rss_mb"] = peak_rss_mb(os.path.join(args.dir, label + ".time"))
            model, inputs, impl, dtype = label.split(".")
            rows[(model, inputs, dtype, impl)] = r
    print("| model | input | dtype | files (audio s) | merhan min / median s | transformers min / median s "
          "| merhan utt/s (median) | transformers utt/s (median) | speed-up merhan / transformers, min / median "
          "| peak RSS merhan / transformers MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    keys = sorted({k[:3] for k in rows}, key=lambda k: (k[1] != "corpus", k[0], k[1], k[2]))
    for model, inputs, dtype in keys:
        m, t = rows.get((model, inputs, dtype, "merhan")), rows.get((model, inputs, dtype, "transformers"))

        def stats(r):
            if r is None:
                return None
            s = sorted(r["seconds"])
            return s[0], float(np.median(s)), r["files"] / float(np.median(s))

        sm, st = stats(m), stats(t)
        any_r = m or t
        fmt = lambda s: f"{s[0]:.2f} / {s[1]:.2f}" if s else "–"
        ups = lambda s: f"{s[2]:.2f}" if s else "–"
        ratio = f"**{st[0] / sm[0]:.2f} / {st[1] / sm[1]:.2f}**" if sm and st else "–"
        rss = f"{m['rss_mb']:.0f} / {t['rss_mb']:.0f}" if m and t else (f"{m['rss_mb']:.0f} / –" if m else "–")
        print(f"| {model} | {inputs} | {dtype} | {any_r['files']} ({any_r['audio_seconds']:.1f}) | {fmt(sm)} | "
              f"{fmt(st)} | {ups(sm)} | {ups(st)} | {ratio} | {rss} |")
    # merhan's extraction scheme (W workers, one thread each) against transformers' forward
    # with the same threads in one process, and against transformers in W processes.
    print("\n| model | merhan, W workers: min / median s | transformers, W threads | speed-up | "
          "transformers, W processes | speed-up | peak RSS MB merhan / transformers (threads) |")
    print("|---|---|---|---|---|---|---|")
    for (model, inputs, dtype, impl), m in sorted(rows.items()):
        if impl != "merhan" or not inputs.startswith("corpus-") or dtype != "fp32":
            continue
        t_threads, t_procs = rows.get((model, "corpus", dtype, "transformers")), rows.get((model, inputs, dtype,
                                                                                           "transformers"))
        sm = sorted(m["seconds"])
        cell = lambda r: f"{min(r['seconds']):.2f} / {float(np.median(r['seconds'])):.2f}" if r else "–"
        up = lambda r: (f"**{min(r['seconds']) / sm[0]:.2f} / {float(np.median(r['seconds'])) / float(np.median(sm)):.2f}**"
                        if r else "–")
        rss = f"{m['rss_mb']:.0f} / {t_threads['rss_mb']:.0f}" if t_threads else "–"
        print(f"| {model} ({m['workers']} workers) | {sm[0]:.2f} / {float(np.median(sm)):.2f} | {cell(t_threads)} | "
              f"{up(t_threads)} | {cell(t_procs)} | {up(t_procs)} | {rss} |")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--model-dir", required=True)
    b.add_argument("--list", required=True)
    b.add_argument("--repeats", type=int, default=3)
    b.add_argument("--warmup", type=int, default=1)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--workers", type=int, default=1)
    b.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    b.add_argument("--dump-dir")
    b.add_argument("--dump-count", type=int, default=2)
    m = sub.add_parser("make-models")
    m.add_argument("--out", required=True)
    m.add_argument("shapes", nargs="+")
    fl = sub.add_parser("flops")
    fl.add_argument("--list", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    lo = sub.add_parser("make-long")
    lo.add_argument("--list", required=True)
    lo.add_argument("--seconds", type=float, required=True)
    lo.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("dir")
    args = ap.parse_args()
    {"bench": cmd_bench, "make-models": cmd_make_models, "flops": cmd_flops, "compare": cmd_compare, "make-long": cmd_make_long,
     "table": cmd_table}[args.cmd](args)


if __name__ == "__main__":
    main()
