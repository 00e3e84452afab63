#!/usr/bin/env bash
# The main job: set up, generate the `small` synthetic IEMOCAP-layout corpus, run the
# leave-one-session-out cross-validation of MER-HAN with all-MiniLM-L6-v2 as the text
# encoder, and print WAR / UAR / F1. A second run reuses the corpus and feature cache.
# Environment: MERHAN_DEMO_DIR (default ./demo), MERHAN_DEMO_SIZE (default small).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# The main job builds what it runs: the merhan program (scripts/test.sh builds the rest).
MERHAN_BUILD_TARGETS="${MERHAN_BUILD_TARGETS:-merhan}" "$MERHAN_ROOT/scripts/setup.sh"

demo_dir="${MERHAN_DEMO_DIR:-$MERHAN_ROOT/demo}"
size="${MERHAN_DEMO_SIZE:-small}"
corpus="$demo_dir/corpus-$size"
if [ ! -f "$corpus/ground_truth.jsonl" ]; then
  step "generate the $size corpus" python3 "$MERHAN_ROOT/scripts/make_corpus" --size "$size" --seed 1 --out "$corpus"
else
  echo "==> corpus $corpus exists (delete it to regenerate)"
fi

minilm="$(merhan_minilm_dir)"
step "merhan train (configs/demo.json)" "$MERHAN_BUILD_DIR/merhan" train --config "$MERHAN_ROOT/configs/demo.json" \
  --set "data.root=$corpus/IEMOCAP_full_release" \
  --set "text.model_dir=$minilm" \
  --set "data.cache_dir=$demo_dir/cache" \
  --set "run.out_dir=$demo_dir/runs"
