#!/usr/bin/env bash
# Speech-encoder feature extraction on CPU: merhan (build/bench/bench_speech) vs
# transformers' eager forward (scripts/bench_speech.py bench), same files, same threads,
# one utterance per forward, each in its own process under /usr/bin/time -v (peak RSS).
# docs/benchmarks.md, "Speech-encoder extraction (CPU)".
#
#   scripts/bench_speech.sh CORPUS_DIR OUT_DIR [MODELS_DIR]
#
# CORPUS_DIR: a corpus from scripts/make_corpus (its IEMOCAP_full_release/Session*/
# sentences/wav/**.wav, sorted by path). MODELS_DIR (default OUT_DIR/models): random
# models at the real shapes, made by `bench_speech.py make-models` when missing.
# Environment: THREADS (2), REPEATS (3), WARMUP (1), STRIDE (1: every file; N: every
# N-th file of the sorted list), PHASES ("corpus long"), LONG_SECONDS ("30 60"),
# LONG_REPEATS (2, no warm-up), BF16 (auto: when /proc/cpuinfo has avx512_bf16 or amx_bf16),
# BF16_PEER (1: transformers under bf16 autocast as well; 0: merhan only), WORKERS (2: the
# corpus rows again with W utterances at a time, one intra-op thread each, on both sides:
# merhan's feature-cache scheme; 0: skip).
# Writes OUT_DIR/results/<model>.<input>.<impl>.<dtype>.{json,time}, parity.jsonl
# and table.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/common.sh"
corpus="$1"; out="$2"; models="${3:-$out/models}"
threads="${THREADS:-2}"; repeats="${REPEATS:-3}"; warmup="${WARMUP:-1}"; stride="${STRIDE:-1}"
phases="${PHASES:-corpus long}"; long_seconds="${LONG_SECONDS:-30 60}"; long_repeats="${LONG_REPEATS:-2}"
bf16="${BF16:-auto}"; bf16_peer="${BF16_PEER:-1}"; workers="${WORKERS:-2}"
if [[ "$bf16" == auto ]]; then
  if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then bf16=1; else bf16=0; fi
fi
bench="$MERHAN_BUILD_DIR/bench/bench_speech"
py=("$MERHAN_PYTHON" "$here/bench_speech.py")
res="$out/results"; mkdir -p "$res" "$out/dump"
[[ -x "$bench" ]] || { echo "build it first: cmake --build build --target bench_speech" >&2; exit 2; }
base_models=(wav2vec2-base wavlm-base-plus); large_models=(wav2vec2-large-lv60 wavlm-large)
missing=()
for m in "${base_models[@]}" "${large_models[@]}"; do [[ -f "$models/$m/config.json" ]] || missing+=("$m"); done
((${#missing[@]} == 0)) || "${py[@]}" make-models --out "$models" "${missing[@]}"

find "$corpus/IEMOCAP_full_release" -path '*/sentences/wav/*' -name '*.wav' | LC_ALL=C sort \
  | awk -v s="$stride" '(NR - 1) % s == 0' > "$out/corpus.txt"
echo "== $(nproc) CPUs:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $threads threads, bf16 $bf16," \
     "$(wc -l < "$out/corpus.txt") files (stride $stride)"

# run LABEL IMPL DUMP_DIR ARGS...: one timed process; its JSON line and time -v report.
run() {
  local label="$1" impl="$2" dump="$3"; shift 3
  echo "-- $label (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/load.txt"
  mkdir -p "$dump"
  if [[ "$impl" == merhan ]]; then
    /usr/bin/time -v -o "$res/$label.time" "$bench" --threads "$threads" --dump-dir "$dump" "$@" > "$res/$label.json"
  else
    /usr/bin/time -v -o "$res/$label.time" "${py[@]}" bench --threads "$threads" --dump-dir "$dump" "$@" \
      2> >(grep -v -i warn >&2) > "$res/$label.json"
  fi
  tail -1 "$res/$label.json"
  grep 'Maximum resident' "$res/$label.time"
}
parity() {  # parity NAME A_DIR B_DIR
  "${py[@]}" compare "$2" "$3" | tail -1 | sed "s/^{/{\"pair\": \"$1\", /" | tee -a "$out/parity.jsonl"
}

if [[ " $phases " == *" corpus "* ]]; then
  for m in "${base_models[@]}"; do
    common=(--model-dir "$models/$m" --list "$out/corpus.txt" --repeats "$repeats" --warmup "$warmup")
    run "$m.corpus.merhan.fp32" merhan "$out/dump/$m.merhan.fp32" "${common[@]}"
    run "$m.corpus.transformers.fp32" transformers "$out/dump/$m.transformers.fp32" "${common[@]}"
    parity "$m merhan fp32 vs transformers fp32" "$out/dump/$m.merhan.fp32" "$out/dump/$m.transformers.fp32"
    if ((workers > 1)); then
      for impl in merhan transformers; do
        run "$m.corpus-${workers}w.$impl.fp32" "$impl" "$out/dump/$m.$impl.${workers}w" "${common[@]}" --workers "$workers"
      done
      parity "$m merhan ${workers} workers vs transformers fp32" "$out/dump/$m.merhan.${workers}w" \
        "$out/dump/$m.transformers.fp32"
    fi
    if [[ "$bf16" == 1 ]]; then
      run "$m.corpus.merhan.bf16" merhan "$out/dump/$m.merhan.bf16" "${common[@]}" --dtype bf16
      parity "$m merhan bf16 vs merhan fp32" "$out/dump/$m.merhan.bf16" "$out/dump/$m.merhan.fp32"
      if [[ "$bf16_peer" == 1 ]]; then
        run "$m.corpus.transformers.bf16" transformers "$out/dump/$m.transformers.bf16" "${common[@]}" --dtype bf16
        parity "$m transformers bf16 vs transformers fp32" "$out/dump/$m.transformers.bf16" \
          "$out/dump/$m.transformers.fp32"
      fi
    fi
  done
fi

if [[ " $phases " == *" long "* ]]; then
  for s in $long_seconds; do
    [[ -f "$out/long$s.wav" ]] || "${py[@]}" make-long --list "$out/corpus.txt" --seconds "$s" --out "$out/long$s.wav"
    echo "$out/long$s.wav" > "$out/long$s.txt"
    for m in "${large_models[@]}"; do
      common=(--model-dir "$models/$m" --list "$out/long$s.txt" --repeats "$long_repeats" --warmup 0 --dump-count 0)
      run "$m.${s}s.merhan.fp32" merhan "$out/dump/unused" "${common[@]}"
      run "$m.${s}s.transformers.fp32" transformers "$out/dump/unused" "${common[@]}"
    done
  done
fi

"${py[@]}" table "$res" | tee "$out/table.md"
