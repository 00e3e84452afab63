#!/usr/bin/env bash
# The one-command GPU check (docs/benchmarks.md "GPU check"). Runs on a GPU host
# from the repository root, with gpu-bundle/ made by scripts/gpu_bundle.sh:
#   1. finds the host's torch (system Python), checks that its version is the
#      bundle's and that the host's glibc/libstdc++ run the bundled binaries
#      (falling back to the bundled libstdc++ when only that is too old);
#   2. runs the CUDA tests: CUDA vs CPU logits of every model (nn_test), bf16
#      autocast and train-and-resume on the GPU (train_test);
#   3. times MER-HAN at the paper's sizes (configs/iemocap_merhan.json, a
#      BERT-base-shaped frozen encoder made on the host) on the tiny demo corpus
#      listed 40 times (about 4,800 utterances, the seed's split), 2 epochs in
#      fp32 and in bf16: feature extraction, seconds per epoch, utterances/s;
#   4. runs a speech encoder (random, at wavlm-base-plus's and wav2vec2-base's real
#      shapes) through `merhan embed-speech` on the CPU and on the GPU, fp32 and bf16:
#      the GPU's hidden states against the CPU's, seconds per utterance;
#   5. writes gpu_check.log and gpu_check.json into $OUT (else ./gpu-check-out).
#   scripts/gpu_check.sh
# Environment:
#   MERHAN_GPU_CHECK_DRY_RUN=1   on a CPU: the same steps, the CUDA tests skip, the
#                                benchmark at demo sizes with a tiny encoder on the CPU
#   MERHAN_GPU_CHECK_PYTHON      the Python holding torch (default python3)
#   MERHAN_GPU_BUNDLE            the bundle (default gpu-bundle)
#   MERHAN_GPU_CHECK_BUDGET      seconds for everything (default 450, i.e. 7.5 min)
#   MERHAN_GPU_CHECK_REPLICAS    copies of the corpus in the benchmark (default 40; dry run 1)
# Exit status: 0 when every step passed, 1 when a test or step failed, 2 when the
# host cannot run the bundle (the JSON says why).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dry="${MERHAN_GPU_CHECK_DRY_RUN:-0}"
py="${MERHAN_GPU_CHECK_PYTHON:-python3}"
bundle="$(cd "$root" && realpath -m "${MERHAN_GPU_BUNDLE:-gpu-bundle}")"
budget="${MERHAN_GPU_CHECK_BUDGET:-450}"
out="${OUT:-$root/gpu-check-out}"
mkdir -p "$out"
log="$out/gpu_check.log"
work="$(mktemp -d "${TMPDIR:-/tmp}/merhan-gpu-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results="$work/results.jsonl"   # one {"key": ..., "value": ...} per line, gathered at the end
: >"$results"
: >"$log"
status=0

say() { echo "[$(date -u +%H:%M:%S) +$((SECONDS))s] $*" | tee -a "$log"; }
put() { "$py" -c 'import json,sys; print(json.dumps({"key": sys.argv[1], "value": json.loads(sys.argv[2])}))' "$1" "$2" >>"$results"; }
left() { echo $((budget - SECONDS)); }
# run NAME SECONDS CMD...: a step under a time limit, its output in the log.
run() {
  local name="$1" limit="$2"; shift 2
  [ "$limit" -gt "$(left)" ] && limit="$(left)"
  if [ "$limit" -le 5 ]; then say "$name: skipped, the time budget is spent"; return 124; fi
  say "$name (limit ${limit}s): $*"
  local t0=$SECONDS rc
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
  rc=$?
  say "$name: exit $rc after $((SECONDS - t0))s"
  return $rc
}
finish() {
  put status "\"$1\""
  put seconds "$SECONDS"
  "$py" - "$results" "$out/gpu_check.json" <<'PY'
import json, sys
doc = {}
for line in open(sys.argv[1]):
    item = json.loads(line)
    doc[item["key"]] = item["value"]
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
PY
  say "wrote $out/gpu_check.json and $log ($1)"
  exit "$2"
}
fail_host() { say "CANNOT RUN HERE: $1"; put reason "$(printf '%s' "$1" | "$py" -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"; finish incompatible 2; }

say "merhan GPU check in $root (dry run: $dry, budget ${budget}s)"
put dry_run "$([ "$dry" = 1 ] && echo true || echo false)"
[ -f "$bundle/bundle.json" ] || fail_host "no bundle at $bundle: run scripts/gpu_bundle.sh on the build machine and carry gpu-bundle/"
put bundle "$(cat "$bundle/bundle.json")"
command -v "$py" >/dev/null || fail_host "no Python '$py' (set MERHAN_GPU_CHECK_PYTHON to the one holding torch)"

# --- 1. the host: torch, CUDA, glibc, libstdc++ -------------------------------------
host_json="$("$py" - <<'PY' 2>>"$log"
import glob, json, os, platform, subprocess
import torch
lib = os.path.join(os.path.dirname(torch.__file__), "lib")
site = os.path.dirname(os.path.dirname(torch.__file__))
nvidia = sorted(glob.glob(os.path.join(site, "nvidia", "*", "lib")))
smi = ""
try:
    smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                         capture_output=True, text=True, timeout=30).stdout.strip()
except Exception:
    pass
print(json.dumps({
    "python": platform.python_version(), "torch": torch.__version__, "torch_cuda": torch.version.cuda,
    "cuda_available": torch.cuda.is_available(),
    "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
    "nvidia_smi": smi, "glibc": platform.libc_ver()[1], "cpus": os.cpu_count(),
    "torch_lib": lib, "nvidia_libs": nvidia}))
PY
)" || fail_host "'$py' cannot import torch (see $log)"
put host "$host_json"
field() { "$py" -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(":".join(v) if isinstance(v, list) else v)' "$1" "$2"; }
host_torch="$(field "$host_json" torch)"; host_torch="${host_torch%%+*}"
bundle_torch="$(field "$(cat "$bundle/bundle.json")" torch)"; bundle_torch="${bundle_torch%%+*}"
say "host: torch $host_torch, device $(field "$host_json" device), glibc $(field "$host_json" glibc), $(field "$host_json" cpus) CPUs"
[ "$host_torch" = "$bundle_torch" ] || fail_host "the bundle was built against torch $bundle_torch, this host has $host_torch (LibTorch's C++ ABI changes between versions): rebuild the bundle against $host_torch"
export LD_LIBRARY_PATH="$bundle/lib:$(field "$host_json" torch_lib):$(field "$host_json" nvidia_libs)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
merhan="$bundle/bin/merhan"
if ! "$merhan" --version >"$work/version.txt" 2>&1; then
  if grep -q "GLIBCXX_\|CXXABI_" "$work/version.txt"; then
    say "the host's libstdc++ is older than the build machine's: using the bundled one"
    export LD_LIBRARY_PATH="$bundle/compat:$LD_LIBRARY_PATH"
    put libstdcxx '"bundled"'
  fi
  if ! "$merhan" --version >"$work/version.txt" 2>&1; then
    cat "$work/version.txt" >>"$log"
    fail_host "the bundled merhan does not start here: $(grep -m1 -o "GLIBC_[0-9.]*' not found\|[^ ]*: cannot open shared object file" "$work/version.txt" || head -1 "$work/version.txt") (the bundle was built on $(field "$(cat "$bundle/bundle.json")" built_on), glibc $(field "$(cat "$bundle/bundle.json")" glibc))"
  fi
fi
cat "$work/version.txt" >>"$log"
# Where every library the binaries load comes from: the bundle, the host's torch
# and CUDA, or the host's C and C++ runtime. Anything else would be missing on a
# bare GPU host: listed in the JSON, and a failure.
for b in "$bundle"/bin/*; do ldd "$b"; done | awk '$3 ~ /^\// {print $3}' | sort -u >"$work/libs.txt"
grep -v -e "^$bundle/" -e "/site-packages/" -e "/cuda" "$work/libs.txt" \
  | grep -v -E '/(libc|libm|libdl|librt|libpthread|libutil|libresolv|libstdc\+\+|libgcc_s)\.so' >"$work/outside.txt"
put libraries_outside_bundle "$("$py" -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().split()))' "$work/outside.txt")"
if [ -s "$work/outside.txt" ]; then
  say "libraries the bundle lacks (loaded from this host's system instead): $(tr '\n' ' ' <"$work/outside.txt")"
  status=1
fi
put merhan_version "$("$py" -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$work/version.txt")"
if [ "$dry" != 1 ]; then
  grep -q "^CUDA: built yes" "$work/version.txt" || fail_host "the bundled merhan was built against a LibTorch without CUDA"
  grep -q "available yes" "$work/version.txt" || fail_host "merhan sees no CUDA device on this host (torch in Python: $(field "$host_json" cuda_available))"
fi

# --- 2. the CUDA tests ----------------------------------------------------------------
export MERHAN_SOURCE_DIR="$root" MERHAN_BINARY="$merhan" MERHAN_PYTHON="$py" MERHAN_BUILD_DIR="$work/build"
for t in nn_test train_test; do
  run "$t CUDA tests" 180 "$bundle/bin/$t" --gtest_filter='*Cuda*' --gtest_output="json:$work/$t.json" || status=1
  put "tests_$t" "$("$py" - "$work/$t.json" <<'PY'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print(json.dumps({"error": f"no gtest report: {e}"})); sys.exit()
cases = [c for s in doc.get("testsuites", []) for c in s.get("testsuite", [])]
res = {"passed": [], "failed": [], "skipped": []}
for c in cases:
    name = c["classname"] + "." + c["name"]
    if c.get("failures"): res["failed"].append(name)
    elif c.get("result") == "SKIPPED": res["skipped"].append(name)
    else: res["passed"].append(name)
print(json.dumps(res))
PY
)"
done

# --- 3. the benchmark ------------------------------------------------------------------
replicas="${MERHAN_GPU_CHECK_REPLICAS:-$([ "$dry" = 1 ] && echo 1 || echo 40)}"
if [ "$dry" = 1 ]; then
  config="$root/configs/demo.json"; device=cpu; bert_args=(--tiny); sizes=demo
else
  config="$root/configs/iemocap_merhan.json"; device=cuda; bert_args=(); sizes=paper
fi
bench_ok=1
mkdir -p "$work/corpus"
run "unpack the demo corpus" 60 tar -C "$work/corpus" -xJf "$bundle/data/corpus-tiny.tar.xz" || bench_ok=0
say "manifest: ${replicas}x the corpus, the seed's split"
split="$("$py" "$root/scripts/bench_seed_epoch.py" "$work/corpus/IEMOCAP_full_release" --write-manifest "$work/split.csv" \
  --replicate "$replicas" 2>>"$log")" || { split='{}'; bench_ok=0; }
put bench_split "$split"
run "text encoder (BERT-base-shaped${bert_args[*]:+, tiny})" 120 \
  "$py" "$root/scripts/make_bert_base_shaped.py" --vocab-dir "$bundle/data/vocab" --out "$work/bert" "${bert_args[@]}" || bench_ok=0
common=(--config "$config" --set data.format=manifest --set "data.manifest=$work/split.csv"
        --set data.protocol=explicit --set data.expect_full_release=false
        --set 'data.explicit_folds=[{"train":["seed-train"],"val":["seed-val"],"test":["seed-test"]}]'
        --set "data.cache_dir=$work/cache" --set "run.out_dir=$work/runs" --set train.batch_size=32
        --set train.lr=5e-5 --set "text.model_dir=$work/bert" --set text.max_length=512 --set run.threads=0
        --set "train.device=$device" --set train.epochs=2 --set train.patience=0)
if [ "$bench_ok" = 1 ]; then
  t0=$SECONDS
  run "features (MFCC + frozen encoder, $sizes)" 240 "$merhan" --log-level warn features "${common[@]}" || bench_ok=0
  put features_seconds "$((SECONDS - t0))"
fi
precisions=(fp32 bf16)
[ "$dry" = 1 ] && ! grep -q "native bf16: yes" "$work/version.txt" && precisions=(fp32)
for p in "${precisions[@]}"; do
  [ "$bench_ok" = 1 ] || break
  flag=train.bf16; [ "$device" = cpu ] && flag=train.cpu_bf16
  t0=$SECONDS
  if run "train 2 epochs, $sizes sizes, $device, $p" 240 "$merhan" --log-level warn train "${common[@]}" \
       --set "$flag=$([ "$p" = bf16 ] && echo true || echo false)" --set "run.name=$p"; then
    put "epoch_$p" "$("$py" - "$work/runs/$p" "$((SECONDS - t0))" "$split" <<'PY'
import glob, json, sys
runs = sorted(glob.glob(sys.argv[1] + "/*/fold-0/seed-*/metrics.jsonl"))
epochs = [json.loads(l) for l in open(runs[-1]) if l.strip()]
train = json.loads(sys.argv[3]).get("train", 0)
last = epochs[-1]
train_s = last.get("times", {}).get("train") or last["seconds"]
print(json.dumps({"wall_seconds": int(sys.argv[2]), "epoch_seconds": [e["seconds"] for e in epochs],
                  "train_pass_seconds": train_s, "train_utterances": train,
                  "utterances_per_second": round(train / train_s, 1) if train_s else None}))
PY
)"
  else
    status=1
  fi
done
[ "$bench_ok" = 1 ] || status=1

# --- 4. speech-encoder extraction: the device against the CPU, fp32 and bf16 ---------------
# Random encoders at the real shapes of wavlm-base-plus and wav2vec2-base (torch alone
# makes them: scripts/make_random_speech_model.py), `merhan embed-speech` on a few corpus
# utterances on the CPU in fp32 (the reference), on the device in fp32 and under bf16
# autocast: every hidden state's largest difference from the reference, and the
# encoder's seconds per utterance (median; the first call on a GPU pays its start-up).
speech_files="$([ "$dry" = 1 ] && echo 2 || echo 6)"
mapfile -t speech_wavs < <(ls "$work"/corpus/IEMOCAP_full_release/Session1/sentences/wav/*/*.wav 2>/dev/null | head -n "$speech_files")
speech_variants=("cpu:fp32")
[ "$device" != cpu ] && speech_variants+=("$device:fp32")
if [ "$device" != cpu ] || grep -q "native bf16: yes" "$work/version.txt"; then speech_variants+=("$device:bf16"); fi
embed() {  # embed SHAPE DEVICE PRECISION INDEX
  local dir="$work/speech/$1/$2-$3" flag=()
  mkdir -p "$dir"
  [ "$3" = bf16 ] && flag=(--bf16)
  timeout --kill-after=10 90 "$merhan" embed-speech --model-dir "$work/speech/$1/model" --wav "${speech_wavs[$4]}" \
    --out "$dir/$4.npy" --device "$2" "${flag[@]}" >"$dir/$4.log" 2>&1
  local rc=$?
  cat "$dir/$4.log" >>"$log"
  return $rc
}
for shape in wavlm-base-plus wav2vec2-base; do
  [ "${#speech_wavs[@]}" -gt 0 ] || { say "speech: no corpus utterances"; status=1; break; }
  [ "$(left)" -gt 60 ] || { say "speech $shape: skipped, the time budget is spent"; status=1; break; }
  run "random $shape encoder (real shape)" 120 "$py" "$root/scripts/make_random_speech_model.py" \
    --shapes "$root/scripts/speech_shapes/$shape.json" --out "$work/speech/$shape/model" || { status=1; continue; }
  say "speech $shape: ${#speech_wavs[@]} utterances, ${speech_variants[*]}"
  for v in "${speech_variants[@]}"; do
    for i in "${!speech_wavs[@]}"; do
      embed "$shape" "${v%%:*}" "${v##*:}" "$i" || { say "speech $shape $v utterance $i failed"; status=1; }
    done
  done
  put "speech_$shape" "$("$py" - "$work/speech/$shape" "${#speech_wavs[@]}" "${speech_variants[@]}" <<'PY'
import json, os, re, statistics, sys
import numpy as np
root, n, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def load(v, i):
    d, p = v.split(":")
    path = os.path.join(root, f"{d}-{p}", f"{i}.npy")
    log = os.path.join(root, f"{d}-{p}", f"{i}.log")
    m = re.search(r"encoder ([0-9.e+-]+) s", open(log).read()) if os.path.exists(log) else None
    return (np.load(path) if os.path.exists(path) else None), (float(m.group(1)) if m else None)
out = {}
for v in variants:
    diffs, seconds, scale = [], [], 0.0
    for i in range(n):
        ref, _ = load(variants[0], i)
        x, s = load(v, i)
        if s is not None: seconds.append(s)
        if ref is None or x is None or x.shape != ref.shape: diffs.append(None); continue
        diffs.append(float(np.abs(x - ref).max())); scale = max(scale, float(np.abs(ref).max()))
    ok = [d for d in diffs if d is not None]
    out[v] = {"max_abs_diff_vs_cpu_fp32": max(ok) if len(ok) == n else None, "reference_max_abs": scale,
              "encoder_seconds": seconds, "median_seconds": statistics.median(seconds) if seconds else None}
print(json.dumps(out))
PY
)"
done
finish "$([ "$status" = 0 ] && echo ok || echo failed)" "$status"
