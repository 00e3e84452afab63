#!/usr/bin/env bash
# Benchmarks `merhan serve` against the same model served by plain Python
# (scripts/serve_reference.py), in one run, on 127.0.0.1 only, with the load
# generator scripts/serve_load.py:
#   1. warm latency p50/p99 of one client sending a 3-second utterance,
#   2. throughput with 1, 4 and 16 concurrent clients,
#   3. resident memory of merhan serve sampled every 500 requests over RSS_REQUESTS.
# Each server runs as configured by THREADS/WORKERS and PY_THREADS (defaults: merhan
# serve's own, one intra-op thread per worker and a worker per core; the Python server
# with one intra-op thread, its faster setting on 2 cores: 35.9 against 28.8 req/s at
# 16 clients, 30.6 against 36.7 ms p50). Results: OUT/results.json and a Markdown
# table on stdout.
#
#   scripts/bench_serve.sh --checkpoint demo/runs/demo/<run>/fold-0/seed-1/best.ckpt   (exported first)
#   scripts/bench_serve.sh --model DIR
# Options (environment): REQUESTS=500 (per measurement), RSS_REQUESTS=10000,
#   RSS_EVERY=500, MAX_SECONDS=300 (per measurement; the RSS run gets 4x), THREADS= and
#   WORKERS= (merhan serve's --threads/--workers; empty = its defaults), PY_THREADS=1,
#   MAX_BATCH=16, MAX_WAIT_MS=2, WAV= (default: the first wav of demo/corpus-small,
#   padded or cut to 3 s), OUT=/tmp/serve-bench.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
REQUESTS="${REQUESTS:-500}"; RSS_REQUESTS="${RSS_REQUESTS:-10000}"; RSS_EVERY="${RSS_EVERY:-500}"; MAX_SECONDS="${MAX_SECONDS:-300}"
THREADS="${THREADS:-}"; WORKERS="${WORKERS:-}"; PY_THREADS="${PY_THREADS:-1}"; MAX_BATCH="${MAX_BATCH:-16}"; MAX_WAIT_MS="${MAX_WAIT_MS:-2}"
OUT="${OUT:-/tmp/serve-bench}"; BIN="${MERHAN_BIN:-$MERHAN_BUILD_DIR/merhan}"
TEXT="${TEXT:-I cannot believe you did that, this is wonderful news.}"
mode="${1:-}"; src="${2:-}"
[[ "$mode" == --checkpoint || "$mode" == --model ]] && [[ -n "$src" ]] || {
  sed -n '2,19p' "$0"; exit 2; }
rm -rf "$OUT"; mkdir -p "$OUT"
model="$src"
if [[ "$mode" == --checkpoint ]]; then
  model="$OUT/model"
  "$BIN" --log-level warn export --checkpoint "$src" --out "$model"
fi
wav="$OUT/utterance-3s.wav"
if [[ -z "${WAV:-}" ]]; then
  WAV="$(find "$MERHAN_ROOT/demo/corpus-small" -name '*.wav' 2>/dev/null | sort | sed -n 1p)"
  [[ -n "$WAV" ]] || { echo "no demo corpus: run scripts/demo.sh, or give WAV=" >&2; exit 3; }
fi
sox -V1 "$WAV" -r 16000 -c 1 -b 16 "$wav" pad 0 3 trim 0 3
merhan_flags=()
[[ -n "$THREADS" ]] && merhan_flags+=(--threads "$THREADS")
[[ -n "$WORKERS" ]] && merhan_flags+=(--workers "$WORKERS")

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# start NAME CMD...: runs a server in the background and waits for its port.
start() {
  local name="$1"; shift
  "$@" > "$OUT/$name.log" 2>&1 &
  pids+=("$!"); eval "${name}_pid=$!"
  for _ in $(seq 600); do
    if grep -qE 'listening on http://127\.0\.0\.1:[0-9]+' "$OUT/$name.log"; then
      eval "${name}_port=$(grep -oE '127\.0\.0\.1:[0-9]+' "$OUT/$name.log" | sed -n 1p | cut -d: -f2)"; return 0
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$OUT/$name.log" >&2; exit 4; }
    sleep 0.1
  done
  echo "$name did not start" >&2; exit 4
}
start merhan "$BIN" --log-level info serve --model "$model" --port 0 "${merhan_flags[@]}" \
  --max-batch "$MAX_BATCH" --max-wait-ms "$MAX_WAIT_MS"
start python "$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/serve_reference.py" --model "$model" --port 0 --threads "$PY_THREADS"
# "serving with W worker(s) of T intra-op thread(s)"
merhan_setup="$(grep -oE 'serving with [0-9]+ worker\(s\) of [0-9]+ intra-op thread\(s\)' "$OUT/merhan.log" | sed -n 1p)"

load() {  # load PORT CLIENTS REQUESTS [extra...]
  local port="$1" clients="$2" n="$3"; shift 3
  "$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/serve_load.py" --port "$port" --wav "$wav" --text "$TEXT" \
    --clients "$clients" --requests "$n" --max-seconds "$MAX_SECONDS" "$@"
}
{
  echo "{"
  echo "\"utterance\": \"$wav\", \"merhan_setup\": \"$merhan_setup\", \"python_threads\": $PY_THREADS, \"max_batch\": $MAX_BATCH, \"max_wait_ms\": $MAX_WAIT_MS,"
  echo "\"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\", \"cores\": $(nproc),"
  for server in merhan python; do
    port_var="${server}_port"; port="${!port_var}"
    echo "\"$server\": {"
    echo "\"latency\": $(load "$port" 1 "$REQUESTS" --warmup 20),"
    for c in 1 4 16; do
      sep=","; [[ $c == 16 ]] && sep=""
      echo "\"clients_$c\": $(load "$port" "$c" "$REQUESTS")$sep"
    done
    echo "},"
  done
  # Both servers must serve the same model: their answers for the utterance, side by side.
  for server in merhan python; do
    port_var="${server}_port"
    echo "\"${server}_answer\": $(curl -s -H 'Content-Type: audio/wav' -H "X-Transcript: $TEXT" \
      --data-binary @"$wav" "http://127.0.0.1:${!port_var}/v1/predict"),"
  done
  echo "\"merhan_rss\": $(MAX_SECONDS=$((4 * MAX_SECONDS)) load "$merhan_port" 4 "$RSS_REQUESTS" --rss-pid "$merhan_pid" --rss-every "$RSS_EVERY")"
  echo "}"
} > "$OUT/results.json"
kill -TERM "$merhan_pid"; wait "$merhan_pid"; echo "merhan serve exit status after SIGTERM: $?"
"$MERHAN_PYTHON" - "$OUT/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"utterance 3 s, {r['cores']} cores ({r['cpu']}); merhan serve {r['merhan_setup']}, "
      f"--max-batch {r['max_batch']} --max-wait-ms {r['max_wait_ms']}; Python server {r['python_threads']} intra-op thread(s)\n")
print("| server | p50 ms (1 client) | p99 ms | req/s, 1 client | 4 clients | 16 clients | errors |")
print("|---|---|---|---|---|---|---|")
for s in ("merhan", "python"):
    x = r[s]
    errors = sum(x[k]["errors"] for k in ("latency", "clients_1", "clients_4", "clients_16"))
    print(f"| {s} | {x['latency']['p50_ms']:.1f} | {x['latency']['p99_ms']:.1f} | {x['clients_1']['throughput_rps']:.1f} "
          f"| {x['clients_4']['throughput_rps']:.1f} | {x['clients_16']['throughput_rps']:.1f} | {errors} |")
ratio = r["merhan"]["clients_16"]["throughput_rps"] / r["python"]["clients_16"]["throughput_rps"]
print(f"\nthroughput ratio at 16 clients (merhan / python): {ratio:.2f}x")
pm, pp = r["merhan_answer"]["probabilities"], r["python_answer"]["probabilities"]
print(f"same model: labels {r['merhan_answer']['label']} / {r['python_answer']['label']}, "
      f"largest probability difference {max(abs(pm[c] - pp[c]) for c in pm):.2e}")
rss = r["merhan_rss"]["rss_kib"]
base = rss[1][1] if len(rss) > 1 else rss[0][1]  # after the first RSS_EVERY requests: allocator warm
peak, low = max(v for _, v in rss[1:] or rss), min(v for _, v in rss[1:] or rss)
after = rss[1][0] if len(rss) > 1 else 0
print(f"merhan serve RSS over {r['merhan_rss']['requests']} requests: start {rss[0][1] / 1024:.0f} MiB, "
      f"after {after} {base / 1024:.0f} MiB, range {low / 1024:.0f}-{peak / 1024:.0f} MiB "
      f"({100 * (peak - base) / base:+.1f} % / {100 * (low - base) / base:+.1f} % of the value after {after}), "
      f"errors {r['merhan_rss']['errors']}")
PY
