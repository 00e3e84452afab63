#!/usr/bin/env python3
"""One-thread timings of alternative kernels for the speech encoder's pieces, at the base
shapes (wav2vec2-base / wavlm-base-plus) of a 4-s utterance: what docs/benchmarks.md
("Speech-encoder extraction (CPU)", "Where a pass goes, and what else was tried") reports.
torch here is the venv's, the same LibTorch and MKL merhan links, so a kernel's time is the
time merhan would see for the same call.

  scripts/bench_speech_kernels.py [--repeats 7] [--seconds 4]

Prints one line per variant: min and median milliseconds over the repeats (after one
warm-up call) and, for rewrites of the same product, the max absolute difference from the
form merhan uses. Random inputs and weights: speed does not depend on their values.
"""
import argparse
import time

import torch
import torch.nn.functional as F

HIDDEN, INTERMEDIATE, CONV_CHANNELS = 768, 3072, 512
POS_KERNEL, POS_GROUPS = 128, 16


def timed(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return f"{times[0] * 1e3:8.2f} {times[len(times) // 2] * 1e3:8.2f} ms"


def every_nth_row(x, first, step, count):
    return x.as_strided((count, x.size(1)), (step * x.size(1), 1), x.storage_offset() + first * x.size(1))


def direct_taps(x, w, b):
    """Direct taps: one GEMM per tap over a strided view (kernel 3, stride 2)."""
    n = (x.size(0) - 3) // 2 + 1
    y = torch.addmm(b, every_nth_row(x, 0, 2, n), w[0])
    y.addmm_(every_nth_row(x, 1, 2, n), w[1])
    return y.addmm_(every_nth_row(x, 2, 2, n), w[2])


def stride_blocks(x, w, b):
    """Taps 0 and 1 read adjacent rows: one GEMM with K = 2 C, then tap 2."""
    n = (x.size(0) - 3) // 2 + 1
    pair = x.as_strided((n, 2 * x.size(1)), (2 * x.size(1), 1), x.storage_offset())
    y = torch.addmm(b, pair, w[:2].reshape(2 * x.size(1), -1))
    return y.addmm_(every_nth_row(x, 2, 2, n), w[2])


def winograd_even_rows(x, w, b):
    """Winograd F(2, 2) on the even input rows: 2.5 GEMMs of the output's height, not 3 (merhan's form before F(3, 2))."""
    n = (x.size(0) - 3) // 2 + 1
    pairs = n // 2
    y = torch.addmm(b, every_nth_row(x, 1, 2, n), w[1])
    d0, d1, d2 = (every_nth_row(x, first, 4, pairs) for first in (0, 2, 4))
    shared = torch.mm(d1, w[0] + w[2])
    every_nth_row(y, 0, 2, pairs).add_(shared).addmm_(d0 - d1, w[0])
    every_nth_row(y, 1, 2, pairs).add_(shared).addmm_(d2 - d1, w[2])
    if n % 2:
        last = n - 1
        y[last:last + 1].addmm_(x[2 * last:2 * last + 1], w[0]).addmm_(x[2 * last + 2:2 * last + 3], w[2])
    return y


def winograd_f32_even_rows(x, w, b):
    """merhan's form: Winograd F(3, 2) on the even input rows, 2.33 GEMMs of the output's height."""
    n = (x.size(0) - 3) // 2 + 1
    triples = n // 3
    y = torch.addmm(b, every_nth_row(x, 1, 2, n), w[1])
    d0, d1, d2, d3 = (every_nth_row(x, first, 6, triples) for first in (0, 2, 4, 6))
    p2 = torch.mm(d2 - d1, (w[0] - w[2]) * 0.5)
    p1_plus_p2 = torch.addmm(p2, d1 + d2, (w[0] + w[2]) * 0.5)
    every_nth_row(y, 0, 3, triples).add_(p1_plus_p2).addmm_(d0 - d2, w[0])
    every_nth_row(y, 1, 3, triples).add_(p1_plus_p2).sub_(p2, alpha=2.0)
    every_nth_row(y, 2, 3, triples).add_(p1_plus_p2).addmm_(d3 - d1, w[2])
    first = 3 * triples
    rest = n - first
    if rest:
        y[first:].addmm_(every_nth_row(x, 2 * first, 2, rest), w[0]).addmm_(every_nth_row(x, 2 * first + 2, 2, rest), w[2])
    return y


def conv_variants(samples, repeats):
    rows = (samples - 10) // 5 + 1  # after the first convolution (kernel 10, stride 5)
    for _ in range(4):  # convolutions 2-5: kernel 3, stride 2
        x = torch.randn(rows, CONV_CHANNELS)
        w = torch.randn(3, CONV_CHANNELS, CONV_CHANNELS) * 0.04
        b = torch.zeros(CONV_CHANNELS)
        reference = direct_taps(x, w, b)
        for fn in (direct_taps, stride_blocks, winograd_even_rows, winograd_f32_even_rows):
            diff = (fn(x, w, b) - reference).abs().max().item()
            print(f"conv k3 s2, {rows:5d} input rows  {fn.__name__:20s} {timed(lambda: fn(x, w, b), repeats)}"
                  f"  max diff {diff:.1e}")
        rows = (rows - 3) // 2 + 1


def positional_conv_variants(frames, repeats):
    h = torch.randn(1, HIDDEN, frames)
    w = torch.randn(HIDDEN, HIDDEN // POS_GROUPS, POS_KERNEL) * 0.01
    b = torch.zeros(HIDDEN)
    pad = POS_KERNEL // 2

    def grouped_conv1d():
        return F.conv1d(h, w, b, padding=pad, groups=POS_GROUPS)[0, :, :frames]

    n = 256
    while n < frames + POS_KERNEL:
        n *= 2
    per_group = HIDDEN // POS_GROUPS
    spectra = torch.fft.rfft(w.flip(-1), n=n).view(POS_GROUPS, per_group, per_group, -1).permute(3, 0, 1, 2).contiguous()

    def fft_cached_spectra():
        xf = torch.fft.rfft(F.pad(h, (pad, pad))[0], n=n).view(POS_GROUPS, per_group, -1).permute(2, 0, 1).unsqueeze(-1)
        yf = torch.matmul(spectra, xf).squeeze(-1).permute(1, 2, 0).reshape(HIDDEN, -1)
        return torch.fft.irfft(yf, n=n)[:, POS_KERNEL - 1:POS_KERNEL - 1 + frames] + b[:, None]

    diff = (fft_cached_spectra() - grouped_conv1d()).abs().max().item()
    print(f"positional conv, {frames} frames  grouped conv1d       {timed(grouped_conv1d, repeats)}")
    print(f"positional conv, {frames} frames  fft, cached spectra  {timed(fft_cached_spectra, repeats)}"
          f"  max diff {diff:.1e}; spectra {spectra.numel() * 8 / 2**20:.0f} MiB for n = {n}")


def layer_variants(frames, repeats):
    x = torch.randn(frames, HIDDEN)
    square = [torch.randn(HIDDEN, HIDDEN) * 0.03 for _ in range(3)]
    bias = torch.zeros(HIDDEN)
    fused = torch.cat(square)
    fused_bias = torch.zeros(3 * HIDDEN)
    print(f"q, k, v, {frames} frames  three GEMMs          {timed(lambda: [F.linear(x, w, bias) for w in square], repeats)}")
    print(f"q, k, v, {frames} frames  one GEMM (2,304)     {timed(lambda: F.linear(x, fused, fused_bias), repeats)}")
    for out_features, in_features in ((INTERMEDIATE, HIDDEN), (HIDDEN, INTERMEDIATE), (HIDDEN, HIDDEN)):
        w = torch.randn(out_features, in_features) * 0.03
        b = torch.zeros(out_features)
        a = torch.randn(frames, in_features)
        packed = torch.ops.mkl._mkl_reorder_linear_weight(w, frames)
        gflop = 2 * frames * in_features * out_features / 1e9
        print(f"linear {in_features}->{out_features}, {frames} frames ({gflop:.2f} GFLOP)  "
              f"torch linear {timed(lambda: F.linear(a, w, b), repeats)}  "
              f"MKL-packed {timed(lambda: torch.ops.mkl._mkl_linear(a, packed, w, b, frames), repeats)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    samples = int(args.seconds * 16000)
    frames = (samples // 320) - 1  # 20 ms frames of the standard front end
    with torch.inference_mode():
        conv_variants(samples, args.repeats)
        positional_conv_variants(frames, args.repeats)
        layer_variants(frames, args.repeats)


if __name__ == "__main__":
    main()
