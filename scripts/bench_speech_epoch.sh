#!/bin/bash
# A training epoch of MER-HAN (the paper's sizes, configs/iemocap_merhan.json) reading a
# base-shaped speech-encoder stream against the same MER-HAN reading MFCCs, on the same
# fold of the same corpus (docs/benchmarks.md, "Speech-encoder stream: training epoch").
#
#   scripts/bench_speech_epoch.sh CORPUS_DIR OUT_DIR [MODELS_DIR]
#
# CORPUS_DIR: a corpus from scripts/make_corpus. MODELS_DIR (default OUT_DIR/models):
# a random wavlm-base-plus at the real shape (bench_speech.py make-models) when missing.
# The stream keeps all 13 hidden states in float16. Both caches are built first
# (`merhan features`, not timed); then the two configs train fold 0 alternately,
# A B A B (REPEATS pairs, default 2), EPOCHS epochs each (default 2), and the table
# gives each epoch's training time (metrics.jsonl `times.train`) after the first of
# each run: min and median. THREADS intra-op threads (default 2).
set -euo pipefail
(($# >= 2)) || { sed -n '2,14p' "$0"; exit 2; }
corpus="$(cd "$1" && pwd)"; out="$2"; mkdir -p "$out"; out="$(cd "$out" && pwd)"
models="${3:-$out/models}"
root="$(cd "$(dirname "$0")/.." && pwd)"
merhan="${MERHAN_BIN:-$root/build/merhan}"
py="${MERHAN_PYTHON:-$HOME/.cache/merhan/venv/bin/python}"
epochs="${EPOCHS:-2}"; repeats="${REPEATS:-2}"; threads="${THREADS:-2}"
[[ -f "$models/wavlm-base-plus/config.json" ]] ||
  "$py" "$root/scripts/bench_speech.py" make-models --out "$models" wavlm-base-plus

for stream in mfcc wavlm; do
  "$py" - "$root" "$corpus" "$out" "$models" "$stream" "$epochs" "$threads" > "$out/$stream.json" <<'PY'
import json, sys
root, corpus, out, models, stream, epochs, threads = sys.argv[1:]
config = {
    "extends": f"{root}/configs/iemocap_merhan.json",
    "data": {"root": f"{corpus}/IEMOCAP_full_release", "expect_full_release": False, "cache_dir": f"{out}/cache"},
    "text": {"model_dir": "minilm", "max_length": 64},
    "run": {"name": stream, "folds": [0], "seeds": [1], "out_dir": f"{out}/runs", "threads": int(threads)},
    "train": {"epochs": int(epochs), "patience": 0},
}
if stream == "wavlm":
    config["data"]["streams"] = {"wavlm": {"format": "speech-encoder", "model_dir": f"{models}/wavlm-base-plus"}}
    config["model"] = {"streams": ["wavlm", "text"]}
print(json.dumps(config, indent=2))
PY
  "$merhan" features --config "$out/$stream.json" > "$out/$stream.features.log" 2>&1
done

for ((r = 1; r <= repeats; r++)); do
  for stream in mfcc wavlm; do
    "$merhan" train --config "$out/$stream.json" --set "run.name=$stream-$r" > "$out/$stream-$r.log" 2>&1
  done
done

"$py" - "$out" "$repeats" <<'PY'
import glob, json, statistics, sys
out, repeats = sys.argv[1], int(sys.argv[2])
print("| stream | epochs timed | train s min | train s median | epoch s median |")
print("|---|---|---|---|---|")
for stream in ("mfcc", "wavlm"):
    train, total, padding = [], [], []
    for r in range(1, repeats + 1):
        path = glob.glob(f"{out}/runs/{stream}-{r}/*/fold-0/seed-1/metrics.jsonl")[0]
        rows = [json.loads(l) for l in open(path) if l.strip()][1:]
        train += [row["times"]["train"] for row in rows]
        total += [row["seconds"] for row in rows]
    print(f"| {stream} | {len(train)} | {min(train):.2f} | {statistics.median(train):.2f} | "
          f"{statistics.median(total):.2f} |")
PY
