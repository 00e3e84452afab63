#!/usr/bin/env bash
# Compares MER-HAN, its Table-4 ablations and the seed-004 baselines on a synthetic
# corpus: LOSO cross-validation for each config, every seed, at the demo's model
# sizes (configs/demo.json), and writes the table of mean ± std beside the paper's
# Table 4 to docs/results.md.table (or $MERHAN_RESULTS.table). Training follows the
# demo: lr 1e-3, dropout 0.2, batch 32, patience 3. Configs already run are skipped,
# so calls with different SEEDS can fill one table. MERHAN_COMPARE_DIR moves the run
# directories (default demo/compare).
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
demo_dir="${MERHAN_DEMO_DIR:-$MERHAN_ROOT/demo}"
corpus="$demo_dir/corpus-$size"
[ -f "$corpus/ground_truth.jsonl" ] || python3 "$MERHAN_ROOT/scripts/make_corpus" --size "$size" --seed 1 --out "$corpus"
out="${MERHAN_COMPARE_DIR:-$demo_dir/compare}"
for c in "${configs[@]}"; do
  if ls "$out/$c"/*/summary.json >/dev/null 2>&1; then echo "==> $c: done"; continue; fi
  echo "==> $c"
  "${MERHAN_BIN:-$MERHAN_BUILD_DIR/merhan}" --log-level warn train --config "$MERHAN_ROOT/configs/$c.json" \
    --set "data.root=$corpus/IEMOCAP_full_release" --set data.expect_full_release=false \
    --set "data.cache_dir=$demo_dir/cache" --set text.model_dir=minilm --set text.max_length=64 \
    --set model.lstm_hidden=64 --set model.lstm_layers=1 --set model.cma_dim=64 \
    --set model.dropout=0.2 --set train.lr=1e-3 --set train.batch_size=32 \
    --set "train.epochs=$epochs" --set train.patience=3 --set "run.seeds=$seeds" \
    --set "run.out_dir=$out" --set "run.name=$c" >/dev/null
done
"$MERHAN_PYTHON" - "$out" "${MERHAN_RESULTS:-$MERHAN_ROOT/docs/results.md}" "$size" "$seeds" "$epochs" "${configs[@]}" <<'PY'
import glob, json, sys
out, dest, size, seeds, epochs, *configs = sys.argv[1:]
paper = {  # Zhang et al. 2023, Table 4 (WAR/UAR/F1 %), IEMOCAP
    "iemocap_ablation_audio_noattn": (50.60, 52.18, 51.05), "iemocap_ablation_audio_attn": (55.52, 56.98, 56.06),
    "iemocap_ablation_text_noattn": (67.43, 67.72, 66.61), "iemocap_ablation_text_attn": (68.57, 69.54, 68.96),
    "iemocap_ablation_no_cma": (70.34, 71.87, 70.56), "iemocap_ablation_no_global": (71.21, 71.43, 71.31),
    "iemocap_merhan": (73.33, 74.20, 73.66)}
def summary(c):
    files = sorted(glob.glob(f"{out}/{c}/*/summary.json"))
    return json.load(open(files[-1])) if files else None

# Paired against MER-HAN: the same (fold, seed) runs, so that fold difficulty,
# which dominates the spread, cancels.
reference = summary("iemocap_merhan")
ref_uar = {(r["fold"], r["seed"]): r["test"]["uar"] for r in reference["runs"]} if reference else {}
rows = []
for c in configs:
    s = summary(c)
    if not s:
        continue
    def cell(m):
        agg = s["mean_std"][m]
        return f"{100*agg['mean']:.1f} ± {100*agg['std']:.1f}"
    diffs = [ref_uar[(r["fold"], r["seed"])] - r["test"]["uar"] for r in s["runs"] if (r["fold"], r["seed"]) in ref_uar]
    if c == "iemocap_merhan" or not diffs:
        paired = "–"
    else:
        mean = sum(diffs) / len(diffs)
        sd = (sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 if len(diffs) > 1 else 0.0
        paired = f"{100*mean:+.1f} ± {100*sd:.1f} ({sum(d > 0 for d in diffs)}/{len(diffs)})"
    p = paper.get(c)
    rows.append(f"| {c} | {cell('war')} | {cell('uar')} | {cell('macro_f1')} | {len(s['runs'])} ({len(set(r['seed'] for r in s['runs']))} seeds) | "
                + paired + " | " + (" / ".join(f"{v:.2f}" for v in p) if p else "–") + " |")
text = (f"| config | WAR % | UAR % | macro-F1 % | runs | MER-HAN UAR minus this, paired (MER-HAN ahead) | paper Table 4 WAR / UAR / F1 (IEMOCAP) |\n"
        f"|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
print(text)
open(dest + ".table", "w").write(f"corpus {size}, seeds {seeds}, epochs {epochs}\n\n" + text)
PY
