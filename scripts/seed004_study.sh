#!/usr/bin/env bash
# Seed 004's comparative study end to end, from one command: a synthetic corpus with
# three streams (MiniLM text states computed by merhan; synthetic "acoustic" 128-d
# frames and "visual" 2048-d pooled vectors written by make_corpus --streams), the five
# rows of configs/seed004_*.json (text, audio, visual, early fusion of the three, late
# fusion of the three by majority vote) over 5 speaker-independent folds
# (data.protocol speaker-kfold), and the table with F1-micro beside WAR/UAR/macro-F1.
# Environment: MERHAN_STUDY_DIR (default ./demo), MERHAN_STUDY_SIZE (small), and
# MERHAN_STUDY_QUICK=1 for the few-epoch version the tests run, MERHAN_STUDY_THREADS
# (default 0 = every core).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dir="${MERHAN_STUDY_DIR:-$MERHAN_ROOT/demo}"
size="${MERHAN_STUDY_SIZE:-small}"
corpus="$dir/corpus-seed004-$size"
py="${MERHAN_PYTHON:-$HOME/.cache/merhan/venv/bin/python}"
if [ ! -f "$corpus/features/acoustic.safetensors" ]; then
  "$py" "$MERHAN_ROOT/scripts/make_corpus" --size "$size" --seed 4 --out "$corpus" --streams
fi
quick=()
if [ "${MERHAN_STUDY_QUICK:-0}" = 1 ]; then quick=(--set train.epochs=3 --set train.patience=2); fi
runs=()
for row in text audio visual early_fusion late_fusion_vote; do
  out="$dir/runs-seed004-$size"
  "$MERHAN_BUILD_DIR/merhan" train --config "$MERHAN_ROOT/configs/seed004_$row.json" \
    --set "data.root=$corpus/IEMOCAP_full_release" \
    --set "data.streams={\"visual\": {\"format\": \"npy\", \"dir\": \"$corpus/features/visual\", \"dim\": 2048}, \"acoustic\": {\"format\": \"safetensors\", \"file\": \"$corpus/features/acoustic.safetensors\", \"dim\": 128}}" \
    --set "data.cache_dir=$dir/cache" --set "run.out_dir=$out" --set "run.threads=${MERHAN_STUDY_THREADS:-0}" \
    --set "data.cache_threads=${MERHAN_STUDY_THREADS:-0}" "${quick[@]}" >"$dir/seed004_$row.log" 2>&1 \
    || { echo "seed004 $row failed; see $dir/seed004_$row.log" >&2; tail -5 "$dir/seed004_$row.log" >&2; exit 1; }
  runs+=("$row=$(ls -d "$out/seed004_$row"/*/ | tail -1)")
done
"$py" "$MERHAN_ROOT/scripts/seed004_study.py" "${runs[@]}" --out "$dir/seed004_table.md"
