#!/usr/bin/env bash
# Times the feature cache: `merhan features --config configs/demo.json` on a corpus,
# three times against a fresh cache directory: cold (everything computed), warm (every
# entry a hit), and warm after `touch` of every wav (a changed mtime makes the cache
# hash the content; the entries still hit). Prints each run's stream lines and wall time.
#   scripts/bench_features.sh CORPUS_ROOT [THREADS=0]
# CORPUS_ROOT is the IEMOCAP_full_release directory, e.g. demo/corpus-small/IEMOCAP_full_release.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="${1:?usage: scripts/bench_features.sh CORPUS_ROOT [THREADS]}"; threads="${2:-0}"
minilm="$(merhan_minilm_dir)"  # resolved once: a Python start-up must not be timed
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
TIMEFORMAT='  process wall: %R s'
run() {
  time "${MERHAN_BIN:-$MERHAN_BUILD_DIR/merhan}" --log-level warn features --config "$MERHAN_ROOT/configs/demo.json" \
    --set "data.root=$root" --set data.expect_full_release=false --set "data.cache_dir=$cache" \
    --set "text.model_dir=$minilm" --threads "$threads" | grep -E '^(mfcc|text|tokens):'
}
echo "== cold"; run
echo "== warm"; run
find "$root" -name '*.wav' -exec touch {} +
echo "== warm after touching every wav"; run
