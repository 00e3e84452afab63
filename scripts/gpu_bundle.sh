#!/usr/bin/env bash
# Packs what a GPU host lacks into gpu-bundle/ (ignored by git) for scripts/gpu_check.sh.
#
# A GPU host has torch (= LibTorch, with CUDA) in its system Python, CMake and no
# Debian -dev packages (docs/design.md T9). The bundle carries binaries built here
# (merhan, the test binaries holding the CUDA tests, the SentencePiece plugin) and
# the Debian runtime libraries they load, but neither glibc nor LibTorch nor CUDA:
# on the host the binaries run against the host's own torch/lib (the same torch
# version, checked there), and gpu_check.sh checks that the host's glibc and
# libstdc++ accept them before anything else (docs/benchmarks.md "GPU check" says
# why carrying binaries beats building there). Also packed: the tiny demo corpus
# (the host has no espeak-ng) and MiniLM's vocabulary (for a BERT-base-shaped
# encoder made there).
#   scripts/gpu_bundle.sh [OUT_DIR]        default gpu-bundle/ in the repository root
# Environment: MERHAN_BUILD_DIR, MERHAN_VENV, MERHAN_BUNDLE_JOBS (ninja -j, default 2).
# Prints the bundle's size and the source tree's; fails above 64 MiB together.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out="${1:-$MERHAN_ROOT/gpu-bundle}"
limit_mib=64
binaries=(merhan tests/nn_test tests/train_test)

step "build (${binaries[*]})" ninja -C "$MERHAN_BUILD_DIR" -j "${MERHAN_BUNDLE_JOBS:-2}" merhan nn_test train_test
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/compat" "$out/data"
for b in "${binaries[@]}"; do cp "$MERHAN_BUILD_DIR/$b" "$out/bin/"; done
cp "$MERHAN_BUILD_DIR/merhan_spm_plugin.so" "$out/bin/"
strip --strip-unneeded "$out"/bin/*

# Every library the loader resolves outside glibc, LibTorch and CUDA. libstdc++ and
# libgcc_s go to compat/: used only when the host's own are older than ours.
# libgomp is LibTorch's own (torch/lib has it).
is_system_or_torch() {
  case "$(basename "$1")" in
    linux-vdso*|ld-linux*|libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|libutil.so*|libresolv.so*) return 0 ;;
    libtorch*|libc10*|libgomp*|libcu*|libnv*|libnccl*|libcaffe2*) return 0 ;;
  esac
  case "$1" in */site-packages/*|/usr/local/cuda*) return 0 ;; esac
  return 1
}
for b in "$out"/bin/*; do
  ldd "$b" | awk '$3 ~ /^\// {print $3}'
done | sort -u | while read -r lib; do
  is_system_or_torch "$lib" && continue
  case "$(basename "$lib")" in
    libstdc++.so*|libgcc_s.so*) cp -L "$lib" "$out/compat/" ;;
    *) cp -L "$lib" "$out/lib/" ;;
  esac
done

# The demo corpus: the host cannot synthesise one (no espeak-ng, no sox).
corpus="$HOME/.cache/merhan/gpu-check-corpus-tiny"
if [ ! -f "$corpus/corpus_info.json" ]; then
  "$MERHAN_PYTHON" "$MERHAN_ROOT/scripts/make_corpus" --size tiny --seed 1 --out "$corpus"
fi
tar -C "$corpus" -cJf "$out/data/corpus-tiny.tar.xz" .
mkdir -p "$out/data/vocab"
minilm="$(merhan_minilm_dir)"
cp "$minilm/vocab.txt" "$minilm/tokenizer_config.json" "$out/data/vocab/"

# What the binaries were built with, for the host's checks and the record.
glibc="$(ldd --version | head -1 | awk '{print $NF}')"
glibcxx="$(strings "$out/bin/"* | grep -o '^GLIBCXX_[0-9.]*$' | sort -uV | tail -1)"
torch="$("$MERHAN_PYTHON" -c 'import torch; print(torch.__version__)')"
cat >"$out/bundle.json" <<JSON
{"git_revision": "$(git -C "$MERHAN_ROOT" rev-parse --short HEAD)$(git -C "$MERHAN_ROOT" diff --quiet HEAD || echo -dirty)",
 "built_on": "$(. /etc/os-release; echo "$PRETTY_NAME")", "glibc": "$glibc", "glibcxx_needed": "$glibcxx",
 "torch": "$torch", "binaries": ["merhan", "nn_test", "train_test"],
 "created": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
JSON

bundle_kib=$(du -sk "$out" | cut -f1)
source_kib=$(( $(git -C "$MERHAN_ROOT" ls-files -z | (cd "$MERHAN_ROOT" && xargs -0 du -cb 2>/dev/null) | tail -1 | cut -f1) / 1024 ))
echo "gpu bundle: $out"
du -sh "$out"/* | sed 's/^/    /'
echo "    bundle $((bundle_kib / 1024)) MiB + source tree $((source_kib / 1024)) MiB = $(((bundle_kib + source_kib) / 1024)) MiB (limit $limit_mib MiB)"
if [ $((bundle_kib + source_kib)) -gt $((limit_mib * 1024)) ]; then
  echo "gpu_bundle.sh: over the $limit_mib MiB a GPU host receives" >&2
  exit 1
fi
