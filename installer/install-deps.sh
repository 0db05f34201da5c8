#!/usr/bin/env bash
# Installs every Debian 12 package that ConceptStudio's build, demo, tests and benches need.
# Idempotent: packages already present are left alone; `apt-get update` runs once per call
# only when something is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git file
  # engine
  libtorch-dev libsqlite3-dev libboost-dev libboost-random-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libcli11-dev nlohmann-json3-dev zlib1g-dev libssl-dev
  # LibTorch's float32 matrix products go to libblas.so.3; Debian's reference libblas3 runs them
  # ~20x slower than OpenBLAS. The OpenMP flavour shares LibTorch's libgomp thread pool.
  libopenblas0-openmp
  # GUI
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-svg-dev qt6-charts-dev
  libgl1-mesa-dev libvtk9-dev qt6-qpa-plugins
  # tests and benches
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  xvfb xauth x11-utils imagemagick poppler-utils fonts-dejavu-core
  python3 python3-torch python3-torchvision python3-sklearn python3-numpy python3-scipy
  # sweeps: the tests start a one-node Slurm cluster (tests/support/slurm_cluster.h)
  slurm-wlm munge
  # the test command's fuzzing (tools/fuzz.sh: libFuzzer, ASan, UBSan), the sanitizer build
  # (tools/sanitize.sh) and the fault test (tests/faults, which reads projects with sqlite3)
  clang-14 libclang-rt-14-dev sqlite3
  # data
  dataset-fashion-mnist
  # packaging
  desktop-file-utils appstream dpkg-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
