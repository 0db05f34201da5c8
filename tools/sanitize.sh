#!/usr/bin/env bash
# Builds the core, the CLI and the non-GUI tests with AddressSanitizer and UndefinedBehaviorSanitizer
# in a build folder of their own, then runs the non-GUI tests (the .deb package test excluded).
#
#   tools/sanitize.sh [CTEST-ARGS...]      e.g. tools/sanitize.sh -R store   (default: every non-GUI test)
#
# Environment: SANITIZE_BUILD_DIR (default ./build-sanitize), JOBS (default 2), CC/CXX (default
# clang-14/clang++-14 when installed, else gcc/g++), SANITIZE_TARGETS (space-separated build
# targets instead of everything; then only the tests of those names run unless CTEST-ARGS say
# otherwise). The LibTorch-free part, quick to build on a busy machine:
#   SANITIZE_TARGETS="test_message_text test_input_file test_output_file cs_data_tests test_project_store
#                     test_read_only_project layout_geometry_test layout_test test_engine" tools/sanitize.sh Slow: a clean build takes as long as the normal
# one or longer, and the tests run 2-5x slower; start it niced (nice -n 10 tools/sanitize.sh).
#
# Any sanitizer report fails the test that triggered it (halt_on_error, exit code 1).
# LibTorch and its dependencies are not instrumented; the leaks they keep on purpose (static
# caches, thread pools) are suppressed in tools/sanitizers/lsan.supp, nothing of the studio's.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${SANITIZE_BUILD_DIR:-$SOURCE_DIR/build-sanitize}
JOBS=${JOBS:-2}
if [ -z "${CC:-}" ] || [ -z "${CXX:-}" ]; then
  if command -v clang++-14 >/dev/null; then CC=clang-14; CXX=clang++-14; else CC=gcc; CXX=g++; fi
fi

# vptr is off: LibTorch's classes are not instrumented, and their typeinfo across the library
# boundary gives false reports. -O1 keeps the build affordable and the stacks readable.
FLAGS="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g1"
cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-DNDEBUG" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCS_BUILD_GUI=OFF -DCS_BUILD_BENCH=OFF -DCS_BUILD_TESTS=ON -DCS_BUILD_FUZZERS=OFF >/dev/null
if [ -n "${SANITIZE_TARGETS:-}" ]; then
  # shellcheck disable=SC2086 # a list of target names
  cmake --build "$BUILD_DIR" -j "$JOBS" --target $SANITIZE_TARGETS
  if [ $# -eq 0 ]; then set -- -R "^($(echo $SANITIZE_TARGETS | tr ' ' '|'))\$"; fi
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SOURCE_DIR/tools/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$SOURCE_DIR/tools/sanitizers/ubsan.supp}
# Python (the tests' model exporter) is not instrumented: the sanitizer runtimes must not be preloaded into it.
unset LD_PRELOAD

# The acceptance list (large torchvision models) and the fault script, which runs its own
# checks, are left to their own runs: under ASan the first alone takes hours on 2 cores.
if [ $# -eq 0 ]; then set -- -LE 'package|gui|acceptance|faults'; fi
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 1 "$@"
