#!/usr/bin/env bash
# Installs everything merhan needs and builds it; idempotent and quick the second time.
#   Debian packages  (apt-get; without root it prints the command to run)
#   Python venv      ($MERHAN_VENV, default ~/.cache/merhan/venv): torch (= LibTorch) and the
#                    reference packages of scripts/requirements.txt
#   build            CMake (Release, Ninja, ccache) into $MERHAN_BUILD_DIR (default ./build)
# Environment: MERHAN_VENV, MERHAN_BUILD_DIR, MERHAN_SKIP_BUILD=1, MERHAN_CMAKE_ARGS,
#   MERHAN_BUILD_TARGETS (default: every target; scripts/demo.sh builds `merhan` alone).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
t_start=$SECONDS

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git python3 python3-venv
  libsndfile1-dev libsoxr-dev libsentencepiece-dev sentencepiece libeigen3-dev
  libutf8proc-dev libkissfft-dev libcli11-dev nlohmann-json3-dev libspdlog-dev
  libgtest-dev libgmock-dev libxxhash-dev libgloo-dev libssl-dev libcpp-httplib-dev espeak-ng sox curl
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev ffmpeg
)

install_debian_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "    all ${#DEBIAN_PACKAGES[@]} Debian packages present"
    return 0
  fi
  echo "    missing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      echo "    not root: install them with" >&2
      echo "      sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
      return 1
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_venv() {
  local req="$MERHAN_ROOT/scripts/requirements.txt"
  local stamp="$MERHAN_VENV/.merhan-requirements.sha256"
  local want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$MERHAN_PYTHON" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "    $MERHAN_VENV is up to date"
    return 0
  fi
  if [ ! -x "$MERHAN_PYTHON" ]; then
    mkdir -p "$(dirname "$MERHAN_VENV")"
    python3 -m venv "$MERHAN_VENV"
  fi
  "$MERHAN_PYTHON" -m pip install -q --upgrade pip
  # The torch wheel is large (LibTorch with CUDA); pip prints progress for it.
  "$MERHAN_PYTHON" -m pip install -q -r "$req"
  echo "$want" > "$stamp"
}

configure_and_build() {
  if [ ! -f "$MERHAN_BUILD_DIR/build.ninja" ]; then
    local log
    log="$(mktemp)"
    # shellcheck disable=SC2086
    if ! cmake -S "$MERHAN_ROOT" -B "$MERHAN_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DMERHAN_PYTHON="$MERHAN_PYTHON" ${MERHAN_CMAKE_ARGS:-} >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      return 1
    fi
    mv "$log" "$MERHAN_BUILD_DIR/configure.log"
  fi
  # ninja re-runs CMake by itself when a CMakeLists or a globbed folder changed.
  # shellcheck disable=SC2086
  ninja -C "$MERHAN_BUILD_DIR" -j "$(nproc)" ${MERHAN_BUILD_TARGETS:-}
}

step "Debian packages" install_debian_packages
step "Python venv (torch = LibTorch, reference packages)" setup_venv
if [ "${MERHAN_SKIP_BUILD:-0}" != "1" ]; then
  step "configure + build ($MERHAN_BUILD_DIR${MERHAN_BUILD_TARGETS:+: $MERHAN_BUILD_TARGETS})" configure_and_build
fi
echo "==> setup done in $((SECONDS - t_start)) s"
