#!/usr/bin/env bash
# The test suite under sanitizers, each in its own build folder (docs/sanitizers.md).
#   scripts/sanitize.sh asan [ctest args]   ASan + UBSan, every test (build-asan/)
#   scripts/sanitize.sh tsan [test [gtest filter]]
#                                          TSan over the threaded code (build-tsan/):
#                                          the feature cache and batcher (data_test), the
#                                          batching queue (serve_test) and `merhan serve`
#                                          (cli_test); or one binary
#   MERHAN_SANITIZE_TARGETS="util_test stats_test" scripts/sanitize.sh asan -L 'util|stats'
#                                          builds only those targets (a full ASan build
#                                          takes hours on 2 cores), then runs ctest
# LibTorch, libgomp and the other system libraries are not instrumented: what the
# sanitizers cannot see there is suppressed in scripts/sanitizers/*.supp, each line
# with its reason. Slow (a full rebuild, then tests several times slower): not part of
# the default test command. Environment: MERHAN_SANITIZE_BUILD_DIR, MERHAN_JOBS,
# MERHAN_SANITIZE_TARGETS (asan: the ninja targets to build; default all).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
kind="${1:-}"
shift || true
supp="$MERHAN_ROOT/scripts/sanitizers"
jobs="${MERHAN_JOBS:-$(nproc)}"

configure() {  # configure DIR SANITIZERS
  [ -f "$1/build.ninja" ] && return 0
  mkdir -p "$1"
  # -O1 -g1: the optimisation level the sanitizers' documentation recommends, and line
  # tables, all a sanitizer's stack trace needs; both compile faster than -O2 -g.
  # shellcheck disable=SC2086
  cmake -S "$MERHAN_ROOT" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMERHAN_PYTHON="$MERHAN_PYTHON" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DMERHAN_SANITIZE="$2" -DMERHAN_BUILD_BENCH=OFF ${MERHAN_CMAKE_ARGS:-} >"$1/configure.log" 2>&1 ||
    { cat "$1/configure.log" >&2; return 1; }
}

case "$kind" in
  asan)
    dir="${MERHAN_SANITIZE_BUILD_DIR:-$MERHAN_ROOT/build-asan}"
    "$MERHAN_ROOT/scripts/setup.sh" >/dev/null  # packages and venv only matter here
    configure "$dir" "address,undefined"
    # shellcheck disable=SC2086
    ninja -C "$dir" -j "$jobs" ${MERHAN_SANITIZE_TARGETS:-}
    # detect_leaks=1 with the uninstrumented libraries' own allocations suppressed
    # (lsan.supp): a leak in merhan's code still fails the test. protect_shadow_gap=0
    # lets the CUDA runtime map its memory where ASan's shadow gap would be.
    export ASAN_OPTIONS="detect_leaks=1:protect_shadow_gap=0:strict_string_checks=1:detect_stack_use_after_return=0:abort_on_error=1"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 3600 "$@"
    ;;
  tsan)
    dir="${MERHAN_SANITIZE_BUILD_DIR:-$MERHAN_ROOT/build-tsan}"
    "$MERHAN_ROOT/scripts/setup.sh" >/dev/null
    configure "$dir" "thread"
    # The threaded code and its tests: the feature cache's extraction pool and two
    # caches racing on one folder, the batcher's workers, the TSan-built `merhan
    # features` they start, the server's batching queue with several workers, and the
    # TSan-built `merhan serve` answering eight clients at once, then draining on SIGTERM.
    declare -A filters=([data_test]='FeatureCache*:Batcher*:*Feature*Command*' [serve_test]='BatchingQueue*'
                        [cli_test]='ServeCli.ServerAnswers*')
    tests=(data_test serve_test cli_test)
    if [ $# -gt 0 ]; then
      [ -n "${filters[$1]+x}" ] || { echo "sanitize.sh tsan: unknown test '$1' (${!filters[*]})" >&2; exit 2; }
      tests=("$1")
      if [ $# -gt 1 ]; then filters[$1]="$2"; fi
    fi
    ninja -C "$dir" -j "$jobs" "${tests[@]}" merhan
    export TSAN_OPTIONS="suppressions=$supp/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
    # TSan needs its fixed memory layout: run without address-space randomisation.
    norandom=()
    if setarch "$(uname -m)" -R true 2>/dev/null; then norandom=(setarch "$(uname -m)" -R); fi
    for t in "${tests[@]}"; do
      "${norandom[@]}" "$dir/tests/$t" --gtest_filter="${filters[$t]}"
    done
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan [ctest args] | tsan [data_test|serve_test|cli_test [gtest filter]]" >&2
    exit 2
    ;;
esac
