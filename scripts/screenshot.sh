#!/usr/bin/env bash
# Screenshot a report as a reader sees it, with headless Chromium (offline: a file:// URL).
#   scripts/screenshot.sh [path/to/index.html] [out.png] [width] [height]
# Defaults: output/index.html, screenshot.png, 1200 x 2400. Needs `apt-get install -y chromium`.
set -euo pipefail
page="${1:-output/index.html}"
out="${2:-screenshot.png}"
width="${3:-1200}"
height="${4:-2400}"
[ -f "$page" ] || { echo "no such page: $page" >&2; exit 1; }
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
abs_page="$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
case "$out" in /*) abs_out="$out" ;; *) abs_out="$(pwd)/$out" ;; esac
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --screenshot="$abs_out" --window-size="$width,$height" "file://$abs_page" 2>/dev/null
echo "wrote $abs_out"
