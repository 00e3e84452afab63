#!/usr/bin/env bash
# One MER-HAN training epoch: merhan (cached features, dynamic padding) against the
# seed-style Python pipeline (scripts/bench_seed_epoch.py: torchaudio MFCC every batch,
# BERT at max_length 512, padding to 512), same corpus, model sizes and machine.
# Both train on fold 0 of loso (sessions 3-5); merhan's time also includes its
# validation pass, so the ratio is conservative. Prints per-utterance seconds,
# min/median over repeats, and the ratio.
#   scripts/bench_epoch.sh [CORPUS_ROOT] [REPEATS] [PY_MAX_BATCHES] [ENCODER]
# ENCODER: minilm (the demo's) or bert-base (the seed's shape, random weights, made
# by scripts/make_bert_base_shaped.py); both sides use it, merhan truncating at 512
# tokens like the seed but padding only to each batch's longest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="${1:-$MERHAN_ROOT/demo/corpus-small/IEMOCAP_full_release}"
repeats="${2:-3}"
py_batches="${3:-4}"
encoder="${4:-minilm}"
case "$encoder" in
  minilm) model_dir="$(merhan_minilm_dir)" ;;
  bert-base)
    model_dir="$HOME/.cache/merhan/bert-base-shaped"
    "$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/make_bert_base_shaped.py" --vocab-dir "$(merhan_minilm_dir)" --out "$model_dir" ;;
  *) echo "bench_epoch.sh: ENCODER must be minilm or bert-base, not '$encoder'" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
merhan="$MERHAN_BUILD_DIR/merhan"
common=(--config "$MERHAN_ROOT/configs/demo.json" --set "data.root=$root" --set "data.cache_dir=$work/cache"
        --set "run.out_dir=$work/runs" --set "run.folds=[0]" --set train.epochs=1
        --set "text.model_dir=$model_dir" --set text.max_length=512)
"$merhan" --log-level warn features "${common[@]}" >/dev/null 2>&1   # warm the cache: the cost merhan pays once
ours=()
for i in $(seq "$repeats"); do
  "$merhan" --log-level warn train "${common[@]}" --set "run.name=r$i" >/dev/null 2>&1
  ours+=("$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["seconds"])' "$work"/runs/r$i/*/fold-0/seed-1/metrics.jsonl)")
done
peer=()
for i in $(seq "$repeats"); do
  peer+=("$("$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/bench_seed_epoch.py" "$root" "$model_dir" --max-batches "$py_batches")")
done
"$MERHAN_PYTHON" - "$root" "${ours[*]}" "$encoder" "${peer[@]}" <<'PY'
import json, statistics, sys
sys.path.insert(0, "scripts")
from bench_seed_epoch import read_sessions
root = sys.argv[1]
n_ours = len(read_sessions(root, [3, 4, 5])) + len(read_sessions(root, [2]))  # train + val of fold 0
ours = [float(x) / n_ours for x in sys.argv[2].split()]
peer = [json.loads(x) for x in sys.argv[4:]]
peer_u = [p["seconds"] / p["utterances"] for p in peer]
n_train = len(read_sessions(root, [3, 4, 5]))
fmt = lambda v: f"min {min(v)*1000:.1f} ms, median {statistics.median(v)*1000:.1f} ms"
print(f"encoder : {sys.argv[3]}")
print(f"merhan  : {fmt(ours)} per utterance (epoch over {n_ours} train+val utterances, cached features)")
print(f"seed-py : {fmt(peer_u)} per utterance ({peer[0]['utterances']} of {n_train} train utterances, {peer[0]['threads']} threads)")
print(f"epoch of {n_train} train utterances: merhan {statistics.median(ours)*n_ours:.1f} s (incl. validation), "
      f"seed-py {statistics.median(peer_u)*n_train:.1f} s (extrapolated)")
print(f"speed-up (seed-py / merhan, per utterance): min {min(peer_u)/max(ours):.1f}x, median {statistics.median(peer_u)/statistics.median(ours):.1f}x")
PY
