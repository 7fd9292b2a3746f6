#!/usr/bin/env bash
# Screenshot a report as a reader sees it, with headless Chromium (offline: a file:// URL).
#   scripts/screenshot.sh [path/to/index.html] [out.png] [width] [height]
# Defaults: output/index.html, screenshot.png, 1200 x 2400. Needs `apt-get install -y chromium`.
set -euo pipefail
page="${1:-output/index.html}"
out="${2:-screenshot.png}"
width="${3:-1200}"
height="${4:-2400}"
source "$(dirname "$0")/chromium.sh"
[ -f "$page" ] || { echo "no such page: $page" >&2; exit 1; }
find_chromium
abs_page="$(abs_file "$page")"
abs_out="$(abs_path "$out")"
"$browser" "${chromium_flags[@]}" --screenshot="$abs_out" --window-size="$width,$height" "file://$abs_page" 2>/dev/null
echo "wrote $abs_out"
