#!/usr/bin/env bash
# Compares MER-HAN, its Table-4 ablations and the seed-004 baselines on a synthetic
# corpus: `merhan train` (LOSO, every seed, the demo's model sizes and training
# settings: lr 1e-3, dropout 0.2, batch 32, patience 3) for each config not yet run,
# then `merhan compare` of the newest run of each config against MER-HAN (paired
# differences, bootstrap intervals, Wilcoxon and McNemar tests with Holm's
# correction; see docs/statistics.md). The comparison goes to $out/comparison
# (compare.md/.csv/.json/.html) and its Markdown to docs/results.md.table (or
# $MERHAN_RESULTS.table). MERHAN_COMPARE_DIR moves the run directories (default demo/compare).
#   scripts/compare_models.sh [SIZE=small] [SEEDS=[1,2,3]] [EPOCHS=8] [CONFIGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
size="${1:-small}"; seeds="${2:-[1,2,3]}"; epochs="${3:-8}"; shift $(( $# < 3 ? $# : 3 ))
configs=("$@")
if [ ${#configs[@]} -eq 0 ]; then
  configs=(iemocap_merhan iemocap_ablation_audio_noattn iemocap_ablation_audio_attn iemocap_ablation_text_noattn
           iemocap_ablation_text_attn iemocap_ablation_no_cma iemocap_ablation_no_global
           iemocap_audio_mlp iemocap_text_mlp iemocap_early_fusion iemocap_late_fusion_vote iemocap_late_fusion_mean)
fi
merhan="${MERHAN_BIN:-$MERHAN_BUILD_DIR/merhan}"
demo_dir="${MERHAN_DEMO_DIR:-$MERHAN_ROOT/demo}"
corpus="$demo_dir/corpus-$size"
[ -f "$corpus/ground_truth.jsonl" ] || python3 "$MERHAN_ROOT/scripts/make_corpus" --size "$size" --seed 1 --out "$corpus"
out="${MERHAN_COMPARE_DIR:-$demo_dir/compare}"
newest_run() { ls -d "$out/$1"/*/ 2>/dev/null | while read -r d; do [ -f "$d/summary.json" ] && echo "${d%/}"; done | sort | tail -1; }
runs=()
for c in "${configs[@]}"; do
  if [ -z "$(newest_run "$c")" ]; then
    echo "==> $c"
    "$merhan" --log-level warn train --config "$MERHAN_ROOT/configs/$c.json" \
      --set "data.root=$corpus/IEMOCAP_full_release" --set data.expect_full_release=false \
      --set "data.cache_dir=$demo_dir/cache" --set text.model_dir=minilm --set text.max_length=64 \
      --set model.lstm_hidden=64 --set model.lstm_layers=1 --set model.cma_dim=64 \
      --set model.dropout=0.2 --set train.lr=1e-3 --set train.batch_size=32 \
      --set "train.epochs=$epochs" --set train.patience=3 --set "run.seeds=$seeds" \
      --set "run.out_dir=$out" --set "run.name=$c" >/dev/null
  else
    echo "==> $c: done"
  fi
  runs+=("$(newest_run "$c")")
done
# The first config (MER-HAN by default) is the reference.
"$merhan" compare "${runs[@]}" --out "$out/comparison" | tee "${MERHAN_RESULTS:-$MERHAN_ROOT/docs/results.md}.table"
