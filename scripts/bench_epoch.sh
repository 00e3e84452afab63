#!/usr/bin/env bash
# One MER-HAN training epoch (training pass + validation pass): merhan (cached
# features, length-bucketed batches padded to their longest item) against the peer
# scripts/bench_seed_epoch.py, which does per batch what the seed's Python code does
# (MFCC and tokenising per item, everything padded to 512, the frozen encoder run
# every batch in train mode, no masks). Both use the seed's split of the corpus
# (Session 5 test; a shuffled 10% of Sessions 1-4 validates), exactly the same
# utterances: merhan reads them from a manifest the peer writes.
#   scripts/bench_epoch.sh [CORPUS_ROOT] [REPEATS] [PEER_REPEATS] [SIZES] [ENCODER] [THREADS]
# SIZES:   paper (BiLSTM 2x256, 4 heads, CMA 256, text at 512 tokens, lr 5e-5, batch 32:
#          configs/iemocap_merhan.json) or demo (configs/demo.json's sizes: BiLSTM 1x64, CMA 64)
# ENCODER: minilm (all-MiniLM-L6-v2) or bert-base (BERT-base's shape, random weights,
#          scripts/make_bert_base_shaped.py)
# THREADS: intra-op threads for both sides; 0 = all cores (default)
# merhan runs in fp32 and, where the CPU has native bf16, with bf16 autocast.
# MERHAN_BENCH_PEER_BATCHES=N stops the peer after N training batches and
# extrapolates its epoch (for a quick look; the figures in docs/ use whole epochs).
# Prints seconds per epoch (min / median over repeats), the ratios, the achieved
# FLOP rate and the machine's GEMM peak (scripts/bench_gemm.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="${1:-$MERHAN_ROOT/demo/corpus-small/IEMOCAP_full_release}"
repeats="${2:-3}"
peer_repeats="${3:-1}"
sizes="${4:-paper}"
encoder="${5:-minilm}"
threads="${6:-0}"
case "$encoder" in
  minilm) model_dir="$(merhan_minilm_dir)" ;;
  bert-base)
    model_dir="$HOME/.cache/merhan/bert-base-shaped"
    "$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/make_bert_base_shaped.py" --vocab-dir "$(merhan_minilm_dir)" --out "$model_dir" ;;
  *) echo "bench_epoch.sh: ENCODER must be minilm or bert-base, not '$encoder'" >&2; exit 2 ;;
esac
case "$sizes" in
  paper) config="$MERHAN_ROOT/configs/iemocap_merhan.json"; peer_sizes=(--hidden 256 --layers 2 --cma-dim 256) ;;
  demo) config="$MERHAN_ROOT/configs/demo.json"; peer_sizes=(--hidden 64 --layers 1 --cma-dim 64) ;;
  *) echo "bench_epoch.sh: SIZES must be paper or demo, not '$sizes'" >&2; exit 2 ;;
esac
export TQDM_DISABLE=1 TRANSFORMERS_VERBOSITY=error  # no progress bars in the figures
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
merhan="$MERHAN_BUILD_DIR/merhan"
peer="$MERHAN_ROOT/scripts/bench_seed_epoch.py"
"$MERHAN_PYTHON" "$peer" "$root" --write-manifest "$work/seed_split.csv" >"$work/split.json"
common=(--config "$config" --set data.format=manifest --set "data.manifest=$work/seed_split.csv"
        --set data.protocol=explicit --set data.expect_full_release=false
        --set 'data.explicit_folds=[{"train":["seed-train"],"val":["seed-val"],"test":["seed-test"]}]'
        --set "data.cache_dir=$work/cache" --set "run.out_dir=$work/runs" --set train.epochs=1
        --set train.batch_size=32 --set train.lr=5e-5
        --set "text.model_dir=$model_dir" --set text.max_length=512 --set "run.threads=$threads")
"$merhan" --log-level warn features "${common[@]}" >/dev/null   # the cost merhan pays once per corpus
precisions=(fp32)
"$merhan" --version | grep -q "native bf16: yes" && precisions+=(bf16)
for p in "${precisions[@]}"; do
  bf16=false; [ "$p" = bf16 ] && bf16=true
  for i in $(seq "$repeats"); do
    "$merhan" --log-level warn train "${common[@]}" --set "train.cpu_bf16=$bf16" --set "run.name=$p-$i" >/dev/null
  done
done
peer_threads=()
[ "$threads" != 0 ] && peer_threads=(--threads "$threads")
for i in $(seq "$peer_repeats"); do
  "$MERHAN_PYTHON" "$peer" "$root" "$model_dir" "${peer_sizes[@]}" "${peer_threads[@]}" \
    --max-batches "${MERHAN_BENCH_PEER_BATCHES:-0}" >>"$work/peer.jsonl"
done
"$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/bench_gemm.py" "${peer_threads[@]}" >"$work/gemm.json"
"$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/bench_epoch_report.py" --work "$work" --root "$root" --sizes "$sizes" --encoder "$encoder" \
  --model-dir "$model_dir"
