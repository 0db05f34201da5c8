#!/bin/sh
# concept-studio where it cannot show its OpenGL views must say why and exit 1, never crash:
# on Qt's offscreen platform, and with no display at all. Usage: refuses_without_display.sh GUI
gui="$1"
status=0

expect() {  # expect NAME PATTERN COMMAND...: exit code 1 and PATTERN in stderr
    name="$1"; pattern="$2"; shift 2
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $name: exit code $rc, expected 1; stderr: $err"; status=1
    elif ! printf '%s' "$err" | grep -q "$pattern"; then
        echo "FAIL $name: stderr lacks '$pattern': $err"; status=1
    else
        echo "ok   $name: $err"
    fi
}

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
expect offscreen "the 'offscreen' platform cannot show the studio's OpenGL views" \
    env HOME="$home" XDG_CONFIG_HOME="$home" QT_QPA_PLATFORM=offscreen "$gui"
expect no-display "no display to show the studio on" \
    env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM HOME="$home" XDG_CONFIG_HOME="$home" "$gui"
exit $status
