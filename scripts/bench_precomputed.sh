#!/usr/bin/env bash
# Times loading a precomputed-stream corpus the size of IEMOCAP's 4-class set: 5,531
# utterances in a manifest, each with a 2048-d "visual" .npy (the seed-004 shape) and a
# 128-d x 8-frame "acoustic" tensor in one .safetensors. `merhan features` with an
# early-fusion config of those two streams, cold (read, checked, cached) then warm
# (every entry a hit: stat + checksum + mmap). Target: warm < 1 s.
#   scripts/bench_precomputed.sh [WORK_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
work="${1:-$(mktemp -d)}"
py="${MERHAN_PYTHON:-$HOME/.cache/merhan/venv/bin/python}"
if [ ! -f "$work/manifest.csv" ]; then
  "$py" - "$work" <<'PY'
import json, os, struct, sys, wave
import numpy as np
from safetensors.numpy import save_file
work = sys.argv[1]
os.makedirs(f"{work}/visual", exist_ok=True)
with wave.open(f"{work}/a.wav", "wb") as w:  # the wav column must name a file; never read here
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b"\0\0" * 1600)
rng = np.random.default_rng(0)
classes = ["neu", "hap", "ang", "sad"]
acoustic = {}
with open(f"{work}/manifest.csv", "w") as f:
    f.write("id,wav,text,label,speaker\n")
    for i in range(5531):
        uid = f"utt{i:05d}"
        np.save(f"{work}/visual/{uid}.npy", rng.standard_normal(2048).astype(np.float32))
        acoustic[uid] = rng.standard_normal((8, 128)).astype(np.float32)
        f.write(f"{uid},a.wav,text {i},{classes[i % 4]},spk{i % 10}\n")
save_file(acoustic, f"{work}/acoustic.safetensors")
PY
fi
cat > "$work/config.json" <<EOF2
{"extends": "$MERHAN_ROOT/configs/baseline_004.json",
 "data": {"format": "manifest", "manifest": "manifest.csv", "cache_dir": "cache", "protocol": "speaker-kfold",
          "streams": {"visual": {"format": "npy", "dir": "visual", "dim": 2048},
                      "acoustic": {"format": "safetensors", "file": "acoustic.safetensors", "dim": 128}}},
 "model": {"type": "early_fusion", "streams": ["visual", "acoustic"]}}
EOF2
rm -rf "$work/cache"
TIMEFORMAT='  process wall: %R s'
run() { time "${MERHAN_BIN:-$MERHAN_BUILD_DIR/merhan}" --log-level warn features --config "$work/config.json" | grep -E '^(visual|acoustic):'; }
echo "== cold"; run
echo "== warm"; run
