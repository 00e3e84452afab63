#!/usr/bin/env bash
# MFCC throughput: merhan (build/bench/bench_mfcc) vs torchaudio and librosa
# (scripts/bench_mfcc.py) on the same espeak-ng speech files, in one run.
#   scripts/bench_mfcc.sh [build_dir] [repeats] [preset] [extra bench_mfcc args...]
# Prints x real time (best = min time, median) and the ratios ours / peer.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"; repeats="${2:-7}"; preset="${3:-torchaudio}"; shift $(( $# < 3 ? $# : 3 ))
python="${MERHAN_PYTHON:-$HOME/.cache/merhan/venv/bin/python}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# 16 utterances of IEMOCAP-like length (3-10 s) at 16 kHz mono 16-bit.
for i in $(seq 0 15); do
  words=$(( 8 + (i * 7) % 20 ))
  text="Utterance $i. $(printf 'the weather report says %.0s' $(seq 1 $(( words / 4 ))))it will rain tomorrow."
  espeak-ng -s $(( 140 + (i % 5) * 15 )) -w "$work/raw$i.wav" "$text"
  sox -R "$work/raw$i.wav" -r 16000 -b 16 "$work/u$i.wav"; rm "$work/raw$i.wav"
done
files=("$work"/u*.wav)
echo "== $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
# One intra-op thread in every thread of ours (LibTorch's FFT would otherwise
# split each block over the cores): `single` is one thread, `all_cores` one per file.
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$build/bench/bench_mfcc" --preset "$preset" --repeats "$repeats" --json "$work/ours.json" "$@" "${files[@]}"
echo
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  "$python" "$here/bench_mfcc.py" --repeats "$repeats" --options "$work/ours.json" --ours "$work/ours.json" "${files[@]}"
