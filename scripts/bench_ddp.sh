#!/usr/bin/env bash
# Data-parallel scaling on one machine: a MER-HAN training epoch (demo sizes,
# configs/demo.json, one LOSO fold) on 1 process x 2 threads against 2 Gloo
# processes x 1 thread (docs/design.md "Data-parallel training"), same global
# batch. Run it on an idle machine: other work on the cores distorts the figures.
#   scripts/bench_ddp.sh [CORPUS_ROOT] [REPEATS] [EPOCHS]
# CORPUS_ROOT defaults to the demo corpus (scripts/demo.sh makes it). Each repeat
# trains EPOCHS epochs (default 2); the figures are the epochs' `seconds` (training
# pass + validation) and `times.train` (training pass only) from metrics.jsonl, as
# min / median over all repeats and epochs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="${1:-$MERHAN_ROOT/demo/corpus-small/IEMOCAP_full_release}"
repeats="${2:-3}"
epochs="${3:-2}"
merhan="$MERHAN_BUILD_DIR/merhan"
[ -d "$root" ] || { echo "bench_ddp.sh: no corpus at $root (run scripts/demo.sh or pass CORPUS_ROOT)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
common=(--config "$MERHAN_ROOT/configs/demo.json" --set "data.root=$root" --set "data.cache_dir=$work/cache"
        --set "run.out_dir=$work/runs" --set 'run.folds=[0]' --set "train.epochs=$epochs" --set train.patience=0)
"$merhan" --log-level warn features "${common[@]}" >/dev/null   # features once, outside the timings
port=$((29600 + RANDOM % 1000))
for i in $(seq "$repeats"); do
  # Alternate the order so that a drifting machine favours neither side.
  for setup in one two; do
    if [ "$setup" = one ]; then
      "$merhan" --log-level warn train "${common[@]}" --set run.threads=2 --set "run.name=one-$i" >/dev/null
    else
      port=$((port + 1))
      for r in 0 1; do
        RANK=$r WORLD_SIZE=2 LOCAL_RANK=$r LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
          "$merhan" --log-level warn train "${common[@]}" --set run.threads=1 --set "run.name=two-$i" >/dev/null &
      done
      wait
    fi
  done
done
"$MERHAN_PYTHON" - "$work/runs" <<'PY'
import glob, json, statistics, sys
runs = sys.argv[1]
print(f"{'setup':<28} {'epochs':>6} {'epoch s min':>12} {'median':>8} {'train s min':>12} {'median':>8}")
rows = {}
for name, label in (("one", "1 process x 2 threads"), ("two", "2 Gloo processes x 1 thread")):
    epochs = [json.loads(l) for f in glob.glob(f"{runs}/{name}-*/*/fold-0/seed-1/metrics.jsonl") for l in open(f)]
    if not epochs:
        sys.exit(f"bench_ddp.sh: no metrics for {label}")
    s = [e["seconds"] for e in epochs]
    t = [e["times"]["train"] for e in epochs]
    rows[name] = statistics.median(s)
    print(f"{label:<28} {len(s):>6} {min(s):>12.2f} {statistics.median(s):>8.2f} {min(t):>12.2f} {statistics.median(t):>8.2f}")
print(f"speed-up of 2 processes (median epoch): {rows['one'] / rows['two']:.2f}x")
PY
