#!/bin/sh
# Runs a GUI test in a real X display: the current one, or a private Xvfb when there is none
# (CI). QOpenGLWidget cannot live on the offscreen platform, so xcb is forced.
export QT_QPA_PLATFORM=xcb
if [ -z "${DISPLAY:-}" ]; then
  # ctest runs tests in parallel; starting each search for a free display at a different number
  # keeps concurrent xvfb-run -a from racing for the same one.
  exec xvfb-run -a -n $((99 + $$ % 400)) -s "-screen 0 1600x1000x24" "$@"
fi
exec "$@"
