#!/usr/bin/env python3
"""Summarises one scripts/bench_epoch.sh run: merhan's epochs (metrics.jsonl of each
run, fp32 and bf16), the peer's (peer.jsonl), the ratios, where merhan's epoch time
went, and the achieved FLOP rate against the GEMM peak (gemm.json).

FLOPs are the model's useful work at each utterance's true length (MFCC frames,
WordPiece tokens up to 512): multiply-adds x 2 of the BiLSTM, the attention
projections and score/value products, the CMA projections and units and the pooling;
a training step counts 3 forward passes (backward ~ 2x forward), validation 1.
Padding and the frozen encoder (its outputs are cached) are not counted.
"""
import argparse
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_seed_epoch import MAX_LENGTH, seed_split  # noqa: E402

SIZES = {"paper": {"hidden": 256, "layers": 2, "d": 256}, "demo": {"hidden": 64, "layers": 1, "d": 64}}


def forward_flops(ta, tt, h, hidden, layers, d, n_mfcc=40):
    f, width = 0, n_mfcc
    for _ in range(layers):  # BiLSTM: 4 gates, input and recurrent weights, 2 directions
        f += 2 * ta * 4 * hidden * (width + hidden) * 2
        width = 2 * hidden
    a = 2 * hidden
    f += ta * 4 * a * a * 2 + 2 * ta * ta * a * 2          # audio local attention
    f += tt * 4 * h * h * 2 + 2 * tt * tt * h * 2          # text local attention
    f += ta * a * d * 2 + tt * h * d * 2                    # CMA projections (kernel 1)
    f += (ta + tt) * 4 * d * d * 2 + 2 * 2 * ta * tt * d * 2  # CMA units, both directions
    f += max(ta, tt) * (d * d + d) * 2                      # global attention pooling
    return f


def epoch_flops(root, model_dir, sizes):
    import soundfile
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir)
    h = json.load(open(os.path.join(model_dir, "config.json")))["hidden_size"]
    train, val, _ = seed_split(root)
    s = SIZES[sizes]

    def flops(item):
        _, wav, text, _, _ = item
        frames = 1 + soundfile.info(wav).frames // 160
        tokens = len(tok(text, truncation=True, max_length=MAX_LENGTH)["input_ids"])
        return forward_flops(frames, tokens, h, s["hidden"], s["layers"], s["d"])

    return 3 * sum(flops(i) for i in train) + sum(flops(i) for i in val)


def merhan_epochs(work, precision):
    records = []
    for path in sorted(glob.glob(os.path.join(work, "runs", f"{precision}-*", "*", "fold-0", "seed-1", "metrics.jsonl"))):
        run_dir = os.path.dirname(os.path.dirname(os.path.dirname(path)))
        config = json.load(open(os.path.join(run_dir, "config.json")))
        if config["train"]["cpu_bf16"] != (precision == "bf16"):  # the run must be what its name says
            sys.exit(f"{run_dir}: train.cpu_bf16 is {config['train']['cpu_bf16']}, not a {precision} run")
        with open(path) as f:
            records.append(json.loads(f.readline()))
    return records


def fmt(values):
    return f"{min(values):.1f} / {statistics.median(values):.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--root", required=True, help="the corpus' IEMOCAP_full_release directory")
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--encoder", required=True)
    ap.add_argument("--model-dir", required=True)
    args = ap.parse_args()
    split = json.load(open(os.path.join(args.work, "split.json")))
    gemm = json.load(open(os.path.join(args.work, "gemm.json")))
    peers = [json.loads(line) for line in open(os.path.join(args.work, "peer.jsonl"))]
    peer_epochs = []
    for p in peers:
        if p["val_utterances"]:
            peer_epochs.append(p["train_seconds"] + p["val_seconds"])
        else:  # a partial epoch: training extrapolated, validation not measured
            peer_epochs.append(p["train_seconds"] * p["train_total"] / p["train_utterances"])
    flops = epoch_flops(args.root, args.model_dir, args.sizes)

    print(f"sizes {args.sizes}, encoder {args.encoder}; split: {split['train']} train / {split['val']} validation "
          f"utterances; GEMM peak ({gemm['threads']} threads, {gemm['cpu_capability']}): fp32 "
          f"{gemm['fp32_gflops']:.0f} GFLOP/s, bf16 {gemm['bf16_gflops']:.0f} GFLOP/s")
    print(f"useful model work per epoch: {flops / 1e12:.2f} TFLOP ({flops / (split['train'] + split['val']) / 1e9:.1f} "
          f"GFLOP per utterance, training counted 3x)\n")
    print("| side | threads | epoch s (min / median) | peer / this (min / median) | GFLOP/s | % of GEMM peak |")
    print("|---|---|---|---|---|---|")
    peer_med = statistics.median(peer_epochs)
    print(f"| peer (seed's per-batch work) | {peers[0]['threads']} | {fmt(peer_epochs)} | 1.0 | – | – |")
    for precision in ("fp32", "bf16"):
        recs = merhan_epochs(args.work, precision)
        if not recs:
            continue
        secs = [r["seconds"] for r in recs]
        med = statistics.median(secs)
        rate = flops / med / 1e9
        peak = gemm[f"{precision}_gflops"]
        print(f"| merhan {precision} | {recs[0]['threads']} | {fmt(secs)} | {min(peer_epochs) / max(secs):.1f}× / "
              f"{peer_med / med:.1f}× | {rate:.0f} | {100 * rate / peak:.0f} % |")
    print("\nwhere merhan's epoch went (median over repeats, seconds):\n")
    print("| precision | data | forward | backward | optimizer | training pass | validation | audio padding | text padding |")
    print("|---|---|---|---|---|---|---|---|---|")
    for precision in ("fp32", "bf16"):
        recs = merhan_epochs(args.work, precision)
        if not recs:
            continue
        m = lambda k: statistics.median(r["times"][k] for r in recs)  # noqa: E731
        print(f"| {precision} | {m('data'):.2f} | {m('forward'):.2f} | {m('backward'):.2f} | {m('optimizer'):.2f} | "
              f"{m('train'):.2f} | {m('validation'):.2f} | {100 * recs[0]['audio_padding']:.1f} % | "
              f"{100 * recs[0]['text_padding']:.1f} % |")


if __name__ == "__main__":
    main()
