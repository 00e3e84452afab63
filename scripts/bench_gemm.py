#!/usr/bin/env python3
"""The machine's practical matrix-multiply peak, the yardstick of bench_epoch.sh's
FLOP rates: square GEMMs (torch.mm, the LibTorch build merhan links: MKL for fp32,
oneDNN for bf16) in fp32 and bf16, best of several runs, in GFLOP/s.
    python scripts/bench_gemm.py [--threads N] [--size 2048]
"""
import argparse
import json
import time

import torch


def peak(dtype, n, repeats):
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    torch.mm(a, b)  # warm-up: thread pool, kernel selection
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(json.dumps({"threads": torch.get_num_threads(), "size": args.size,
                      "fp32_gflops": peak(torch.float32, args.size, args.repeats),
                      "bf16_gflops": peak(torch.bfloat16, args.size, args.repeats),
                      "cpu_capability": torch.backends.cpu.get_cpu_capability()}))


if __name__ == "__main__":
    main()
