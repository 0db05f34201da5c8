#!/bin/sh
# Builds the .deb with CPack, checks its control fields and contents, extracts it and runs
# the extracted CLI: --version, and `models` finding the packaged plugins.
# Usage: package_test.sh BUILD_DIR WORK_DIR VERSION
set -eu
build=$1
work=$2
version=$3

fail() { echo "package_test: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cd "$build"
cpack -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1 || { tail -40 "$work/cpack.log"; fail "cpack failed"; }
deb=$(find "$work/cpack" -maxdepth 1 -name 'concept-studio_*.deb' | head -1)
[ -n "$deb" ] || fail "no concept-studio_*.deb in $work/cpack"
echo "package: $deb ($(du -k "$deb" | cut -f1) KiB)"

# Control fields: name, version, section, and dependencies computed by dpkg-shlibdeps.
dpkg-deb -f "$deb" Package | grep -qx concept-studio || fail "Package is not concept-studio"
dpkg-deb -f "$deb" Version | grep -q "^$version" || fail "Version is not $version"
dpkg-deb -f "$deb" Section | grep -qx science || fail "Section is not science"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
echo "$depends" | grep -q 'libc6' || fail "Depends lacks libc6: shlibdeps did not run"
echo "$depends" | grep -q 'libtorch' || fail "Depends lacks libtorch"
echo "$depends" | grep -q 'libsqlite3' || fail "Depends lacks libsqlite3"
echo "Installed-Size: $(dpkg-deb -f "$deb" Installed-Size) KiB"

# Contents.
dpkg-deb -c "$deb" >"$work/contents.txt"
for path in bin/concept-studio-cli share/applications/concept-studio.desktop \
            share/metainfo/io.github.conceptstudio.ConceptStudio.metainfo.xml \
            share/icons/hicolor/scalable/apps/concept-studio.svg share/icons/hicolor/48x48/apps/concept-studio.png \
            share/man/man1/concept-studio-cli.1.gz share/mime/packages/concept-studio.xml \
            'concept-studio/plugins/[a-z-]*torchvision[a-z-]*\.so' 'concept-studio/plugins/[a-z-]*example[a-z-]*\.so'; do
  grep -q "$path\$" "$work/contents.txt" || fail "the package lacks $path"
done
if grep -q 'bin/concept-studio$' "$work/contents.txt"; then echo "GUI program: packaged"; else echo "GUI program: not in this build"; fi

# Extract and run, outside the build tree: a CLI run from inside the build folder also loads
# the plugins built there (a developer convenience of the loader), which would mask the
# packaged ones.
root=$(mktemp -d "${TMPDIR:-/tmp}/cs-package.XXXXXX")
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
cli=$(find "$root" -path '*/bin/concept-studio-cli' | head -1)
plugins=$(find "$root" -type d -path '*/concept-studio/plugins' | head -1)
[ -x "$cli" ] || fail "extracted CLI missing"
out=$("$cli" --version) || fail "extracted CLI --version failed"
echo "$out" | grep -q "$version" || fail "--version printed '$out', not $version"
echo "--version: $out"

# No user plugins may leak in: an empty home.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
models=$("$cli" models --plugin-dir "$plugins" 2>&1) || { echo "$models"; fail "models failed"; }
echo "$models"
echo "$models" | grep -q "ready .*$plugins/.*torchvision" || fail "models did not load the packaged torchvision plugin"
echo "$models" | grep -q "ready .*$plugins/.*example" || fail "models did not load the packaged example plugin"
# Without --plugin-dir the CLI looks in its compiled-in install folder; that finds the packaged
# plugins only once the package is installed (not merely extracted) unless the loader also
# looks beside the executable.
if "$cli" models 2>&1 | grep -qi 'torchvision'; then
  echo "models without --plugin-dir: packaged plugins found"
else
  echo "models without --plugin-dir: packaged plugins not found from the extracted tree (loader uses the absolute install path)"
fi
echo "package_test: ok"
