#!/bin/sh
# Runs a GUI test in a real X display: the current one, or a private Xvfb when there is none
# (CI). QOpenGLWidget cannot live on the offscreen platform, so xcb is forced.
export QT_QPA_PLATFORM=xcb
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1600x1000x24" "$@"
fi
exec "$@"
