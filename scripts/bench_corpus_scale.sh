#!/usr/bin/env bash
# Corpus scale: reading an MSP-Podcast release's labels, building its MFCC feature
# cache and loading it warm, on synthetic releases of N short clips
# (scripts/bench_corpus_scale.py generate: 1-2 s, 16 kHz mono, 400 speakers, every split
# and EmoClass). Per N, on an audio-only config (MFCC only, native classes A S H U F D C
# N, O and X dropped, protocol official, data.cache_threads=$THREADS):
#   startup   `merhan config` on the same config: process start-up, no corpus (REPEATS runs)
#   corpus    `merhan corpus --json`: labels, transcripts, every audio header, folds (REPEATS runs)
#   cold      `merhan features` into an empty cache (once)
#   warm      `merhan features` again, every entry cached: read the corpus, open the
#             cache's index, stat each wav and checksum each entry (REPEATS runs)
# Each run is timed whole (wall, peak RSS from /usr/bin/time -v) and split where its log
# says so (scripts/bench_corpus_scale.py time). The generated release and its cache are
# deleted after each size unless KEEP=1.
#   scripts/bench_corpus_scale.sh [SIZES...]    default: 10000 30000 100000
# Environment: BENCH_DIR (default /tmp/msp-scale; each size in BENCH_DIR-N), REPEATS (3),
# THREADS (2), RESULTS (default /tmp/msp-scale-results.jsonl), MERHAN_BIN, KEEP.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sizes=("${@:-10000 30000 100000}"); sizes=(${sizes[*]})
bench_dir="${BENCH_DIR:-/tmp/msp-scale}"
repeats="${REPEATS:-3}"; threads="${THREADS:-2}"
results="${RESULTS:-/tmp/msp-scale-results.jsonl}"
bin="${MERHAN_BIN:-$MERHAN_BUILD_DIR/merhan}"
helper="$MERHAN_ROOT/scripts/bench_corpus_scale.py"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
: > "$results"
for n in "${sizes[@]}"; do
  dir="$bench_dir-$n"
  rm -rf "$dir"; mkdir -p "$dir"
  echo "== $n: generating $dir" >&2
  t0=$SECONDS; python3 "$helper" generate "$n" "$dir"; echo "   generated in $((SECONDS - t0)) s, $(du -sh "$dir" | cut -f1)" >&2
  sync  # the new files written back before any timing (their pages stay cached)
  cat > "$dir/config.json" <<JSON
{
  "data": {"format": "msp-podcast", "root": "$dir/MSP-Podcast", "protocol": "official",
           "classes": ["A", "S", "H", "U", "F", "D", "C", "N"], "merge": {},
           "cache_dir": "$dir/cache", "cache_threads": $threads},
  "audio": {"sample_rate": 16000, "cmvn": "none"},
  "mfcc": {"n_mfcc": 40, "n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 40},
  "model": {"type": "audio"}
}
JSON
  timed() { python3 "$helper" time "$n:$1" "$results" -- "$bin" "${@:2}"; }
  for _ in $(seq "$repeats"); do timed startup config --config "$dir/config.json" > /dev/null; done
  for _ in $(seq "$repeats"); do timed corpus corpus --config "$dir/config.json" --json > /dev/null; done
  rm -rf "$dir/cache"
  timed cold features --config "$dir/config.json" > /dev/null
  echo "   cache: $(du -sh "$dir/cache" | cut -f1)" >&2
  for _ in $(seq "$repeats"); do timed warm features --config "$dir/config.json" > /dev/null; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
done
python3 "$helper" summarize "$results"
