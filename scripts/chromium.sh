# Sourced by the scripts that drive headless Chromium offline (screenshot.sh, quizcheck.sh):
# finds the browser and turns the page and output paths into absolute ones for file:// URLs.

# Sets $browser to chromium (or chromium-browser, google-chrome); else one line and exit 1.
find_chromium() {
    browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
    [ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
}

# The absolute path of an existing file.
abs_file() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

# A path made absolute against the current folder (it need not exist yet).
abs_path() { case "$1" in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }

# Flags of every headless run: no sandbox or GPU, no scrollbars, one device pixel per CSS pixel.
chromium_flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1)
