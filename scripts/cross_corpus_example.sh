#!/usr/bin/env bash
# The cross-corpus example of docs/results.md: MER-HAN with the demo's settings trained
# on the synthetic IEMOCAP-layout corpus (validation: a seeded fifth of its speakers)
# and tested on the synthetic MSP-Podcast, MELD, CREMA-D and RAVDESS layouts through
# the 4-class map, from one config (data.corpora); prints the table per test corpus.
# Environment: MERHAN_EXAMPLE_DIR (default ./demo), MERHAN_EXAMPLE_SIZE (default small).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MERHAN_BUILD_TARGETS="${MERHAN_BUILD_TARGETS:-merhan}" "$MERHAN_ROOT/scripts/setup.sh"

dir="${MERHAN_EXAMPLE_DIR:-$MERHAN_ROOT/demo}"
size="${MERHAN_EXAMPLE_SIZE:-small}"
py="${MERHAN_PYTHON:-$HOME/.cache/merhan/venv/bin/python}"
corpus="$dir/corpus-$size"
if [ ! -f "$corpus/ground_truth.jsonl" ]; then
  step "generate the $size corpus" "$py" "$MERHAN_ROOT/scripts/make_corpus" --size "$size" --seed 1 --out "$corpus"
fi
for layout in msp-podcast meld crema-d ravdess; do
  out="$dir/layout-$layout-$size"
  if [ ! -f "$out/ground_truth.jsonl" ]; then
    step "generate the $layout layout" "$py" "$MERHAN_ROOT/scripts/make_corpus" --layout "$layout" --size "$size" \
      --seed 1 --out "$out"
  fi
done
config="$dir/cross_corpus_$size.json"
cat >"$config" <<JSON
{
  "extends": "$MERHAN_ROOT/configs/demo.json",
  "run": {"name": "cross-corpus-$size", "out_dir": "$dir/runs"},
  "text": {"model_dir": "$(merhan_minilm_dir)"},
  "data": {
    "cache_dir": "$dir/cache",
    "corpora": [
      {"name": "iemocap", "format": "iemocap", "root": "$corpus/IEMOCAP_full_release", "role": "train"},
      {"name": "msp", "format": "msp-podcast", "root": "$dir/layout-msp-podcast-$size/MSP-Podcast", "role": "test"},
      {"name": "meld", "format": "meld", "root": "$dir/layout-meld-$size/MELD.Raw", "role": "test"},
      {"name": "crema", "format": "crema-d", "root": "$dir/layout-crema-d-$size/CREMA-D", "role": "test"},
      {"name": "ravdess", "format": "ravdess", "root": "$dir/layout-ravdess-$size/RAVDESS", "role": "test"}
    ]
  }
}
JSON
"$MERHAN_BUILD_DIR/merhan" corpus --config "$config" >"$dir/cross_corpus_$size.corpus.md"
step "merhan train ($config)" "$MERHAN_BUILD_DIR/merhan" train --config "$config"
