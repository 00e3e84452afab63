#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) and runs each for a number of
# executions, one at a time and niced (docs/fuzzing.md).
#   scripts/fuzz.sh [--runs N] [--time SECONDS] [harness ...]   (default: every harness)
# Each run starts from fuzz/corpus/<harness>/ and works in <build>/fuzz-work/<harness>/;
# inputs that add coverage are merged back into fuzz/corpus/<harness>/ (commit them).
# A crash stops that harness: its input is in <build>/fuzz-artifacts/. The last line per
# harness (runs, seconds, coverage) goes to <build>/fuzz-summary.txt.
# Environment: MERHAN_FUZZ_BUILD_DIR (default build-fuzz), MERHAN_FUZZ_NICE (default 19),
# MERHAN_FUZZ_TMPDIR (where the harnesses write their scratch files; default /dev/shm
# when it is writable: the file-based harnesses run 2-3x faster on a tmpfs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
runs=1000000
seconds=3600
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --time) seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
dir="${MERHAN_FUZZ_BUILD_DIR:-$MERHAN_ROOT/build-fuzz}"
niceness="${MERHAN_FUZZ_NICE:-19}"
scratch="${MERHAN_FUZZ_TMPDIR:-}"
if [ -z "$scratch" ]; then
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch=/dev/shm; else scratch="${TMPDIR:-/tmp}"; fi
fi
export TMPDIR="$scratch"
if [ ! -f "$dir/build.ninja" ]; then
  mkdir -p "$dir"
  cmake -S "$MERHAN_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMERHAN_PYTHON="$MERHAN_PYTHON" \
    -DMERHAN_BUILD_FUZZERS=ON -DMERHAN_BUILD_TESTS=OFF -DMERHAN_BUILD_BENCH=OFF >"$dir/configure.log" 2>&1 ||
    { cat "$dir/configure.log" >&2; exit 1; }
fi
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in "$MERHAN_ROOT"/fuzz/*_fuzzer.cc; do n="$(basename "$f" _fuzzer.cc)"; harnesses+=("$n"); done
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("${h}_fuzzer"); done
ninja -C "$dir" "${targets[@]}"  # the build at normal priority; only the fuzzing is niced

mkdir -p "$dir/fuzz-artifacts"
summary="$dir/fuzz-summary.txt"
for h in "${harnesses[@]}"; do
  corpus="$MERHAN_ROOT/fuzz/corpus/$h"
  work="$dir/fuzz-work/$h"
  mkdir -p "$work"
  log="$dir/fuzz-work/$h.log"
  dict=()
  [ -f "$MERHAN_ROOT/fuzz/$h.dict" ] && dict=(-dict="$MERHAN_ROOT/fuzz/$h.dict")
  echo "==> $h: $runs runs (at most $seconds s)"
  rc=0
  # New inputs go to the first folder (the work copy); the committed corpus is read only.
  nice -n "$niceness" "$dir/${h}_fuzzer" -runs="$runs" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/fuzz-artifacts/$h-" "${dict[@]}" "$work" "$corpus" >"$log" 2>&1 || rc=$?
  done_line="$(grep -E '^Done [0-9]+ runs' "$log" | tail -1 || true)"
  stat_line="$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)"
  echo "$h rc=$rc | $done_line | $stat_line" | tee -a "$summary"
  if [ $rc -ne 0 ]; then
    tail -40 "$log" >&2
    continue
  fi
  nice -n "$niceness" "$dir/${h}_fuzzer" -merge=1 "$corpus" "$work" >"$dir/fuzz-work/$h.merge.log" 2>&1 || true
done
