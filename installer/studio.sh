#!/usr/bin/env bash
# The set-up commands of the README, on a fresh Debian 12 machine as root:
#   bash installer/studio.sh demo   install, build the CLI, the GUI and the plugins, run the
#                                   embedded demo (and open the GUI on it when a display is present)
#   bash installer/studio.sh test   install, build everything, run the whole test suite with ctest,
#                                   then every fuzzing harness for 30 s (tools/fuzz.sh)
#   bash installer/studio.sh build  install and build everything
# Options through the environment: BUILD_DIR (default ./build), DEMO_OUT (default ./demo-out),
# JOBS (default: number of cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-}"
case "$mode" in demo|test|build) ;; *) echo "usage: $0 demo|test|build" >&2; exit 2 ;; esac

BUILD_DIR="${BUILD_DIR:-$here/build}"
JOBS="${JOBS:-$(nproc)}"

bash "$here/installer/install-deps.sh"

# `demo` builds only what the demo and the GUI need; `test` and `build` build everything in the
# same folder, reusing what an earlier `demo` built (and ccache reuses objects across folders).
DEMO_TARGETS=(concept-studio-cli concept-studio concept-studio-torchvision concept-studio-example)

start=$(date +%s)
cmake -S "$here" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "$mode" = demo ]; then
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${DEMO_TARGETS[@]}"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
echo "studio.sh: build took $(( $(date +%s) - start )) s"

case "$mode" in
  demo)
    DEMO_OUT="${DEMO_OUT:-$here/demo-out}"
    "$BUILD_DIR/app/cli/concept-studio-cli" demo --out "$DEMO_OUT"
    if [ -n "${DISPLAY:-}" ] && [ -x "$BUILD_DIR/app/gui/concept-studio" ]; then
      "$BUILD_DIR/app/gui/concept-studio" "$DEMO_OUT/demo.cstudio" &
    else
      echo "studio.sh: no display; open the demo later with: $BUILD_DIR/app/gui/concept-studio $DEMO_OUT/demo.cstudio"
    fi
    ;;
  test)
    start=$(date +%s)
    # GUI tests start their own Xvfb when no display is set (see tests/gui). The acceptance list of
    # large models (label acceptance, tests/core/model) is run on purpose: ctest -L acceptance.
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 -LE "acceptance|faults"
    echo "studio.sh: tests took $(( $(date +%s) - start )) s"
    # Every libFuzzer harness (tests/fuzz) for 30 s on its seed corpus, under ASan and UBSan, in a
    # build folder of its own: a finding fails the test command.
    start=$(date +%s)
    FUZZ_BUILD_DIR="$BUILD_DIR-fuzz" JOBS="$JOBS" FUZZ_PARALLEL="$JOBS" bash "$here/tools/fuzz.sh" 30
    echo "studio.sh: fuzzing took $(( $(date +%s) - start )) s"
    ;;
esac
