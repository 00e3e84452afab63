#!/usr/bin/env bash
# The whole test suite: set up (idempotent), build, run every ctest test.
# Extra arguments go to ctest (e.g. scripts/test.sh -L audio).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$MERHAN_ROOT/scripts/setup.sh"
t0=$SECONDS
echo "==> tests"
ctest --test-dir "$MERHAN_BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"
echo "==> tests done in $((SECONDS - t0)) s"
