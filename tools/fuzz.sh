#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang-14 under ASan+UBSan in a build folder of
# their own, and runs each for a while on a copy of its seed corpus (tests/fuzz/corpus/<harness>).
#
#   tools/fuzz.sh [SECONDS] [HARNESS...]     default: 30 seconds each, every harness
#
# Environment: FUZZ_BUILD_DIR (default ./build-fuzz), JOBS (build jobs, default 2), FUZZ_PARALLEL
# (harnesses run at once, default 1), FUZZ_WORK (corpora and findings, default $FUZZ_BUILD_DIR/work).
# A finding (crash, leak, sanitizer report, timeout, uncaught exception) leaves a crash-* /
# leak-* / timeout-* file in $FUZZ_WORK/<harness>/ and makes the script exit 1. Each harness's
# last libFuzzer lines (executions, cov, ft) are printed and kept in $FUZZ_WORK/<harness>.log.
set -euo pipefail

SECONDS_EACH=${1:-30}
shift || true
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${FUZZ_BUILD_DIR:-$SOURCE_DIR/build-fuzz}
WORK=${FUZZ_WORK:-$BUILD_DIR/work}
JOBS=${JOBS:-2}
PARALLEL=${FUZZ_PARALLEL:-1}
HARNESSES=("$@")
if [ ${#HARNESSES[@]} -eq 0 ]; then
  HARNESSES=(fuzz_interactions_auto fuzz_interactions_sasrec fuzz_interactions_rechorus fuzz_interactions_movielens
             fuzz_item_metadata fuzz_tree_json fuzz_idx fuzz_image_decode fuzz_project_open fuzz_plugin_descriptor
             fuzz_sweep_manifest)
fi

command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 is needed (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

# The whole tree gets the sanitizers (fuzzer-no-link: coverage without libFuzzer's main); only the
# harnesses link libFuzzer. The GUI, tests and benches are not part of this build.
FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS="$FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCS_BUILD_FUZZERS=ON -DCS_BUILD_GUI=OFF -DCS_BUILD_TESTS=OFF -DCS_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${HARNESSES[@]}"

mkdir -p "$WORK"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local harness=$1 dir="$WORK/$1"
  mkdir -p "$dir/corpus" "$dir/tmp"
  # libFuzzer adds what it finds to the first corpus folder: a copy, never the seeds in the repository.
  if [ -d "$SOURCE_DIR/tests/fuzz/corpus/$harness" ]; then cp -n "$SOURCE_DIR/tests/fuzz/corpus/$harness"/* "$dir/corpus/" 2>/dev/null || true; fi
  local status=0
  (cd "$dir" && TMPDIR="$dir/tmp" "$BUILD_DIR/tests/fuzz/$harness" corpus -max_total_time="$SECONDS_EACH" \
     -max_len=65536 -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 >"$WORK/$harness.log" 2>&1) || status=$?
  local stats
  stats=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$WORK/$harness.log" | tail -1 || true)
  local execs
  execs=$(grep -E '^stat::number_of_executed_units' "$WORK/$harness.log" | awk '{print $2}' || true)
  if [ $status -ne 0 ]; then
    echo "$harness: FINDING (exit $status), see $WORK/$harness.log and $dir/" >&2
    grep -E 'ERROR|SUMMARY|runtime error|terminate|Test unit written' "$WORK/$harness.log" | head -5 >&2 || true
    return 1
  fi
  echo "$harness: ${execs:-?} executions; $stats"
}

failed=0
if [ "$PARALLEL" -le 1 ]; then
  for h in "${HARNESSES[@]}"; do run_one "$h" || failed=1; done
else
  pids=()
  for h in "${HARNESSES[@]}"; do
    run_one "$h" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do sleep 1; done
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
fi
exit $failed
