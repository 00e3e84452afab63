#!/usr/bin/env bash
# Bit-identical predictions across a change: trains tiny MER-HAN models (MFCC + MiniLM,
# frozen; MFCC + MiniLM with one fine-tuned layer, i.e. token ids; early fusion) on the
# tiny synthetic corpus with the OLD binary, then runs `merhan predict` and `merhan eval`
# (fold test split and a 12-row manifest) with OLD and NEW and compares the outputs byte
# for byte, and retrains with NEW to compare the run summary.
#   scripts/check_predictions_unchanged.sh OLD_MERHAN NEW_MERHAN [WORK_DIR]
# Exit 0 when everything is identical. Used for the typed feature-stream redesign
# (docs/design.md, "Feature streams").
set -euo pipefail
old="$(realpath "$1")"; new="$(realpath "$2")"; work="${3:-/tmp/merhan-predictions-check}"
py="${MERHAN_PYTHON:-$HOME/.cache/merhan/venv/bin/python}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$work" && cd "$work"
[ -f corpus/ground_truth.jsonl ] || "$py" "$root/scripts/make_corpus" --size tiny --seed 1 --out corpus --jobs 1
"$py" - <<'PY'
import json
rows = [json.loads(l) for l in open("corpus/ground_truth.jsonl")]
keep = [r for r in rows if r["label"] in ("neu", "hap", "exc", "ang", "sad") and r["session"] == 5][:12]
with open("manifest.csv", "w") as f:
    f.write("id,wav,text,label,speaker,session\n")
    for r in keep:
        text = r["text"].replace('"', '""')
        label = "hap" if r["label"] == "exc" else r["label"]
        f.write(f'{r["id"]},corpus/{r["wav"]},"{text}",{label},{r["speaker"]},{r["session"]}\n')
PY
base='{"extends": "'"$root"'/configs/iemocap_merhan.json",
  "run": {"seeds": [1], "threads": 1},
  "data": {"root": "corpus/IEMOCAP_full_release", "expect_full_release": false, "protocol": "session5", "cache_threads": 1},
  "text": {"model_dir": "minilm", "max_length": 32},
  "model": {"lstm_hidden": 16, "lstm_layers": 1, "cma_dim": 16, "dropout": 0.2},
  "train": {"lr": 1e-3, "epochs": 2, "patience": 3, "batch_size": 16, "num_workers": 0}}'
echo "$base" > base.json
run() {  # run NAME BINARY OUT_DIR EXTRA_SETS...
  local name="$1" bin="$2" out="$3"; shift 3
  "$bin" train --config base.json --set run.name="$name" --set run.out_dir="$out" --set data.cache_dir="cache-$out" "$@" >"$out-$name.log" 2>&1
}
outputs() {  # outputs BINARY CHECKPOINT DIR
  local bin="$1" ckpt="$2" dir="$3"; mkdir -p "$dir"
  "$bin" eval --checkpoint "$ckpt" --predictions "$dir/eval.csv" | grep -v '"checkpoint"' >"$dir/eval.json"
  "$bin" eval --checkpoint "$ckpt" --manifest manifest.csv --predictions "$dir/eval_manifest.csv" | grep -v '"checkpoint"' >"$dir/eval_manifest.json"
  "$bin" predict --checkpoint "$ckpt" --manifest manifest.csv >"$dir/predict.jsonl"
}
status=0
for spec in "merhan" "finetune text.trainable_layers=1" "early model.type=early_fusion"; do
  set -- $spec; name="$1"; sets=(); [ $# -gt 1 ] && sets=(--set "$2")
  rm -rf "old-runs/$name" "new-runs/$name"
  run "$name" "$old" old-runs "${sets[@]}"
  run "$name" "$new" new-runs "${sets[@]}"
  ckpt="$(ls old-runs/$name/*/fold-0/seed-1/best.ckpt)"
  outputs "$old" "$ckpt" "out-old/$name" 2>/dev/null
  outputs "$new" "$ckpt" "out-new/$name" 2>/dev/null
  if diff -r "out-old/$name" "out-new/$name" >/dev/null; then echo "same predictions: $name"; else echo "DIFFERENT predictions: $name"; status=1; fi
  if diff <(sed 1,3d old-runs/$name/*/summary.md) <(sed 1,3d new-runs/$name/*/summary.md) >/dev/null; then
    echo "same training summary: $name"
  else
    echo "DIFFERENT training summary: $name"; status=1
  fi
done
exit $status
